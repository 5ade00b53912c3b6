"""The Strawberry schema with its limits: depth, aliases, tokens, caches, masked errors."""

from __future__ import annotations

from collections.abc import Callable

from graphql import ASTValidationRule, GraphQLError
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition, StrawberryType

from app.api import relations  # noqa: F401  (registers the prefetchers)
from app.api.execution import PlannedExecutionContext
from app.api.mutations.applications import ApplicationMutations
from app.api.mutations.catalog import CatalogMutations
from app.api.mutations.connections import ConnectionMutations
from app.api.mutations.credentials import CredentialMutations
from app.api.mutations.developers import DeveloperMutations
from app.api.queries import Query
from app.api.subscriptions import Subscription
from app.api.types.application import Application
from app.api.types.connection import ConnectionEvent, ServiceConnection
from app.api.types.credential import Credential
from app.api.types.developer import Developer
from app.api.types.service import Service, ServiceVersion
from app.domain.errors import DomainError
from app.settings import Settings

Mutation = merge_types(
    "Mutation",
    (
        ConnectionMutations,
        ApplicationMutations,
        DeveloperMutations,
        CredentialMutations,
        CatalogMutations,
    ),
)


def is_expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose carry a code; everything else is masked in production."""
    original = error.original_error
    if original is None:
        return True  # parse and validation errors: about the document, not the server
    return isinstance(original, DomainError | GraphQLError)


class _NameConverter(NameConverter):
    """Relay page types are named `<Item>Connection`; the services page would then be called
    `ServiceConnection`, the name of our domain entity, so it becomes `ServiceListConnection`."""

    def from_generic(
        self, generic_type: StrawberryObjectDefinition, types: list[StrawberryType | type]
    ) -> str:
        name = super().from_generic(generic_type, types)
        return "ServiceListConnection" if name == "ServiceConnection" else name


def _should_mask(error: GraphQLError) -> bool:
    return not is_expected(error)


class _Schema(Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only unexpected errors: a refused request is the client's news, not ours."""
        unexpected = [error for error in errors if not is_expected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings, *, planned: bool = True) -> Schema:
    """The schema; `planned=False` runs every field through graphql-core, for checking that
    planned execution (app/api/execution.py) answers the same."""
    # Factories, not instances: Strawberry builds each extension afresh per operation, so no
    # request's state leaks into another's (the caches inside are shared by design).
    # The depth and alias rules are made once: ValidationCache keys on the rule classes,
    # and a limiter built per operation would bring new classes, so nothing would be cached
    # and every request would be validated again (a few ms on the headline page).
    limits: list[type[ASTValidationRule]] = [
        depth_rule(settings.max_query_depth, None, None),
        alias_rule(settings.max_aliases),
    ]
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=250),
        lambda: ValidationCache(maxsize=250),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    if not settings.debug:
        extensions.append(
            lambda: MaskErrors(should_mask_error=_should_mask, error_message="Internal error.")
        )
    return _Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            Application,
            Developer,
            Service,
            ServiceVersion,
            ServiceConnection,
            ConnectionEvent,
            Credential,
        ],
        extensions=extensions,
        config=StrawberryConfig(name_converter=_NameConverter()),
        execution_context_class=PlannedExecutionContext if planned else None,
    )
