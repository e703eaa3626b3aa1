"""The scraper's AWS side: the product list (SSM), the price history (DynamoDB), alerts (SNS, once)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from lambdas.common import aws, notify
from lambdas.common.exceptions import ConfigurationError, DependencyError
from lambdas.common.untrusted import json_value
from lambdas.services.scraper.service import Observation, Product

PRODUCTS_CACHE_SECONDS = 300
ALERT_MEMORY_SECONDS = 30 * 24 * 3600


def load_products(parameter: str) -> Any:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    try:
        raw = SSMProvider(boto3_client=aws.client("ssm")).get(parameter, max_age=PRODUCTS_CACHE_SECONDS)
    except Exception as exc:
        raise DependencyError(f"cannot read the product list {parameter}: {type(exc).__name__}") from exc
    return json_value(raw, what=f"the product list {parameter}", error=ConfigurationError)


class DynamoPriceHistory:
    def __init__(self, table: str) -> None:
        self._table = table

    def latest(self, product_id: str) -> Observation | None:
        try:
            result = aws.client("dynamodb").query(
                TableName=self._table,
                KeyConditionExpression="productId = :p",
                ExpressionAttributeValues={":p": {"S": product_id}},
                ScanIndexForward=False,
                Limit=1,
            )
        except Exception as exc:
            raise DependencyError(f"Query of {self._table} failed: {aws.error_code(exc) or exc}") from exc
        items = result.get("Items", [])
        if not items:
            return None
        item = items[0]
        return Observation(item["observedAt"]["S"], Decimal(item["amount"]["N"]), item.get("currency", {}).get("S"))

    def record(self, product: Product, observation: Observation) -> None:
        item = {
            "productId": {"S": product.product_id},
            "observedAt": {"S": observation.observed_at},
            "amount": {"N": str(observation.amount)},
            "url": {"S": product.url},
        }
        if observation.currency:
            item["currency"] = {"S": observation.currency}
        try:
            aws.client("dynamodb").put_item(TableName=self._table, Item=item)
        except Exception as exc:
            raise DependencyError(f"PutItem on {self._table} failed: {aws.error_code(exc) or exc}") from exc


@cache
def price_alert(topic_arn: str, idempotency_table: str) -> tuple[Any, Any]:
    """(alert, its idempotency config): one SNS alert per (product, previous observation, new price)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[product_id, previous_observed_at, amount]", expires_after_seconds=ALERT_MEMORY_SECONDS
    )
    store = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_client=aws.client("dynamodb"))

    @idempotent_function(data_keyword_argument="drop", config=config, persistence_store=store)
    def alert(drop: dict[str, Any]) -> dict[str, str]:
        subject = f"Price drop: {drop['name']} {drop['previous_amount']} -> {drop['amount']} {drop['currency']}"
        message_id = notify.publish(topic_arn, subject, {"type": "price_drop", **drop},
                                    {"product_id": drop["product_id"], "type": "price_drop"})  # fmt: skip
        return {"message_id": message_id}

    return alert, config
