"""GraphQL names for the model's enums, registered before any type refers to them.

Annotations use the model enums themselves; strawberry would otherwise name an
unregistered enum after its Python class (ProviderName instead of Provider).
"""

from __future__ import annotations

import strawberry

from gateway import model
from gateway.errors import UserErrorCode

strawberry.enum(model.ProviderName, name="Provider")
strawberry.enum(model.CustomerType, name="CustomerType")
strawberry.enum(model.PaymentSourceKind, name="PaymentSourceKind")
strawberry.enum(UserErrorCode, name="UserErrorCode")
