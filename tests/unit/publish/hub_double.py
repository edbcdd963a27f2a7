"""moto's Security Hub with the service's workflow rules, which moto 5.2.5 does not have.

Real Security Hub (aws-notes §1.3, §1.6): BatchImportFindings sets Workflow only when it creates a
finding and ignores it afterwards; BatchUpdateFindings changes Workflow and Note. moto keeps
whatever each import sends and answers BatchUpdateFindings with "404 Not yet implemented". This
wrapper keeps moto as the store of everything else and adds those two rules, so a test that reads
``get_findings`` sees the workflow a person would see in the console.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.validate import validate_parameters


class HubWithWorkflow:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.meta = client.meta
        self._workflow: dict[str, dict[str, Any]] = {}  # Id -> {"Workflow": ..., "Note": ...}
        self._product: dict[str, str] = {}  # Id -> ProductArn
        self.update_calls: list[dict[str, Any]] = []

    def batch_import_findings(self, *, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = self.client.batch_import_findings(Findings=Findings)
        refused = {f["Id"] for f in response.get("FailedFindings") or []}
        for finding in Findings:
            if finding["Id"] in refused or finding["Id"] in self._workflow:
                continue  # an existing finding keeps its workflow and note
            kept: dict[str, Any] = {"Workflow": dict(finding.get("Workflow") or {"Status": "NEW"})}
            if "Note" in finding:
                kept["Note"] = dict(finding["Note"])
            self._workflow[finding["Id"]] = kept
            self._product[finding["Id"]] = finding["ProductArn"]
        return response

    def batch_update_findings(self, **params: Any) -> dict[str, Any]:
        operation = self.meta.service_model.operation_model("BatchUpdateFindings")
        validate_parameters(params, operation.input_shape)  # what botocore would refuse
        self.update_calls.append(params)
        processed: list[dict[str, str]] = []
        unprocessed: list[dict[str, Any]] = []
        for identifier in params["FindingIdentifiers"]:
            known = self._product.get(identifier["Id"]) == identifier["ProductArn"]
            if not known:
                unprocessed.append(
                    {
                        "FindingIdentifier": identifier,
                        "ErrorCode": "FindingNotFound",
                        "ErrorMessage": "Finding Not Found",
                    }
                )
                continue
            state = self._workflow[identifier["Id"]]
            if "Workflow" in params:
                state["Workflow"] = dict(params["Workflow"])
            if "Note" in params:
                now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
                state["Note"] = {**params["Note"], "UpdatedAt": now}
            processed.append(identifier)
        return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}

    def get_findings(self, **params: Any) -> dict[str, Any]:
        response: dict[str, Any] = self.client.get_findings(**params)
        for finding in response["Findings"]:
            finding.update(self._workflow.get(finding["Id"], {}))
        return response

    def set_workflow_by_hand(self, finding_id: str, status: str) -> None:
        """What a person does in the console."""
        self._workflow[finding_id]["Workflow"] = {"Status": status}

    def findings(self) -> dict[str, dict[str, Any]]:
        return {f["Id"]: f for f in self.get_findings(MaxResults=100)["Findings"]}
