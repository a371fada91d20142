"""Errors the API answers with: each names the query parameter at fault and why."""

from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler


class InvalidParameters(APIException):
    """400 for unknown or invalid query parameters; never silently ignored."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameters"

    def __init__(self, reasons: dict[str, list[str] | str]):
        self.reasons = {
            name: [str(text) for text in (texts if isinstance(texts, list | tuple) else [texts])]
            for name, texts in reasons.items()
        }
        names = ", ".join(sorted(self.reasons))
        super().__init__(f"Invalid query parameter: {names}.")


def api_exception_handler(exc, context):
    """DRF's handler, plus a list of {parameter, reason} for parameter errors."""
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, InvalidParameters):
        response.data = {
            "detail": str(exc.detail),
            "errors": [
                {"parameter": None if name == "__all__" else name, "reason": reason}
                for name, reasons in sorted(exc.reasons.items())
                for reason in reasons
            ],
        }
    return response
