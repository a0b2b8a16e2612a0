"""client.deployments.predictions."""

from __future__ import annotations

from typing import Any, Unpack

from ._http import Requester
from ._predictions import CreateOptions, create_prediction
from ._refs import parse_model
from ._resource import Resource
from .types import Prediction


class DeploymentPredictions(Resource):
    async def create(self, deployment: str, input: dict[str, Any] | None = None,
                     **options: Unpack[CreateOptions]) -> Prediction:
        """Start a prediction on `owner/name` deployment; options as `predictions.create`."""
        owner, name = parse_model(deployment)
        return await create_prediction(
            self._requester, f"/v1/deployments/{owner}/{name}/predictions",
            {"input": dict(input or {})}, **options,
        )


class Deployments:
    def __init__(self, requester: Requester) -> None:
        self.predictions = DeploymentPredictions(requester)
