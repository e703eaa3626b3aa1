"""The scraper's AWS side: the product list (SSM), the price history (DynamoDB), alerts (SNS, once)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from lambdas.common import aws, notify
from lambdas.common.exceptions import ConfigurationError
from lambdas.common.idempotency import Once
from lambdas.common.untrusted import json_value
from lambdas.services.scraper.service import Observation, Product

PRODUCTS_CACHE_SECONDS = 300
ALERT_MEMORY_SECONDS = 30 * 24 * 3600


def load_products(parameter: str) -> Any:
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    with aws.dependency(f"reading the product list {parameter}"):
        raw = SSMProvider(boto3_client=aws.client("ssm")).get(parameter, max_age=PRODUCTS_CACHE_SECONDS)
    return json_value(raw, what=f"the product list {parameter}", error=ConfigurationError)


class DynamoPriceHistory:
    def __init__(self, table: str) -> None:
        self._table = table

    def latest(self, product_id: str) -> Observation | None:
        with aws.dependency(f"Query of {self._table}"):
            result = aws.client("dynamodb").query(
                TableName=self._table,
                KeyConditionExpression="productId = :p",
                ExpressionAttributeValues={":p": {"S": product_id}},
                ScanIndexForward=False,
                Limit=1,
            )
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
        with aws.dependency(f"PutItem on {self._table}"):
            aws.client("dynamodb").put_item(TableName=self._table, Item=item)


def _publish(topic_arn: str, drop: dict[str, Any]) -> dict[str, str]:
    subject = f"Price drop: {drop['name']} {drop['previous_amount']} -> {drop['amount']} {drop['currency']}"
    message_id = notify.publish(
        topic_arn, subject, {"type": "price_drop", **drop}, {"product_id": drop["product_id"], "type": "price_drop"}
    )
    return {"message_id": message_id}


@cache
def price_alerts(topic_arn: str, idempotency_table: str) -> Once:
    """One SNS alert per (product, previous observation, new price): a retried run cannot send it twice."""
    return Once(
        lambda drop: _publish(topic_arn, drop),
        table=idempotency_table,
        key="[product_id, previous_observed_at, amount]",
        remember_seconds=ALERT_MEMORY_SECONDS,
    )
