"""Security Hub error codes as moto ServiceExceptions; moto serializes them with the model's HTTP status."""

from typing import Any

from moto.core.exceptions import ServiceException


class InvalidInputException(ServiceException):
    code = "InvalidInputException"


class InvalidAccessException(ServiceException):
    code = "InvalidAccessException"


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class ResourceConflictException(ServiceException):
    code = "ResourceConflictException"


class LimitExceededException(ServiceException):
    code = "LimitExceededException"


def invalid_parameter(param: str, problem: str) -> InvalidInputException:
    """The service's JSON-schema style message: Invalid parameter 'X'. data.X should ..."""
    return InvalidInputException(f"Invalid parameter '{param}'. data.{param} {problem}")


def require_enabled(backend: Any) -> None:
    if not backend.enabled:
        raise InvalidAccessException(f"Account {backend.account_id} is not subscribed to AWS Security Hub")
