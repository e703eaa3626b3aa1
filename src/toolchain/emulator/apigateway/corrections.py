"""Where moto's API Gateway answers otherwise than AWS, for an API the emulator serves."""

from __future__ import annotations

from typing import Any


def authorizers_keep_their_validation(original: Any, emulator: Any) -> Any:
    """RestAPI.create_authorizer, keeping `identityValidationExpression`: moto hands it to the
    authorizer under a misspelt name, so an authorizer created with one (as Terraform creates it)
    validated nothing, and a token AWS answers 401 reached the authorizer function."""

    def create_authorizer(self: Any, *args: Any, **kwargs: Any) -> Any:
        authorizer = original(self, *args, **kwargs)
        expression = kwargs.get("identiy_validation_expression")
        if expression and not authorizer.identity_validation_expression:
            authorizer.identity_validation_expression = expression
        return authorizer

    return create_authorizer
