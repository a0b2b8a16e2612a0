"""client.deployments.predictions."""

from __future__ import annotations

from typing import Any

from ._http import Requester
from ._predictions import create_prediction
from ._refs import parse_model
from ._resource import Resource
from .types import Prediction


class DeploymentPredictions(Resource):
    async def create(
        self,
        deployment: str,
        input: dict[str, Any] | None = None,
        *,
        webhook: str | None = None,
        webhook_events_filter: list[str] | None = None,
        wait: bool | int | None = None,
        cancel_after: float | str | None = None,
        stream: bool | None = None,
        token: str | None = None,
    ) -> Prediction:
        owner, name = parse_model(deployment)
        return await create_prediction(
            self._requester, f"/v1/deployments/{owner}/{name}/predictions",
            {"input": dict(input or {})}, webhook=webhook,
            webhook_events_filter=webhook_events_filter, wait=wait,
            cancel_after=cancel_after, stream=stream, token=token,
        )


class Deployments:
    def __init__(self, requester: Requester) -> None:
        self.predictions = DeploymentPredictions(requester)
