"""Domain errors carry a Spanish message safe to show to the user."""


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AccessDenied(DomainError):
    def __init__(self, message: str = "No tiene permiso para realizar esta operación."):
        super().__init__(message)


class SessionExpired(DomainError):
    pass


class LoginFailed(DomainError):
    pass


class ValidationError(DomainError):
    pass
