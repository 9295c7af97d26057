"""The intent router: handlers register plain async functions for the intents they own.

In the style of aiogram's ``Router`` and bolt's listeners: each module in ``handlers/`` has
its own ``Router``; ``handlers.build_router()`` composes them with :meth:`Router.include_router`.
A handler asks only for what it uses, by parameter name (``mail``, ``nlu``, ``order``,
``orders``, ``shop``, ``ticket``, ``now``), and returns one decision: :class:`Reply`,
:class:`Handoff` or :class:`NoReply`. Handlers never do I/O; the pipeline gathers the facts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from bot.config import ShopSettings
from bot.intents import INTENTS
from bot.mail.message import BuyerMail
from bot.nlp import Understanding
from bot.orders import Order


@dataclass(frozen=True)
class Reply:
    """Answer the buyer with ``template`` (under ``templates/<lang>/``) filled with ``data``."""

    template: str
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class Handoff:
    """Give the ticket to an agent, with a suggested ``draft_template`` when there is one."""

    reason: str
    draft_template: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NoReply:
    """Nothing to answer (pure thanks): the ticket closes as "no response needed"."""

    reason: str


Decision = Reply | Handoff | NoReply


@dataclass(frozen=True)
class TicketView:
    """What a handler may know about the ticket a mail belongs to."""

    id: int
    is_new: bool  # first message of this ticket: greet as first contact
    earlier_tickets: int = 0


@dataclass(frozen=True)
class HandlerContext:
    """Everything a handler can ask for by name."""

    mail: BuyerMail
    nlu: Understanding
    shop: ShopSettings
    ticket: TicketView
    now: datetime
    order: Order | None = None
    orders: tuple[Order, ...] = ()


Handler = Callable[..., Awaitable[Decision]]
H = TypeVar("H", bound=Handler)
_INJECTABLE = frozenset(f.name for f in fields(HandlerContext))


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    wants: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


class Router:
    """Maps intents to handlers; routers nest with :meth:`include_router`."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._handlers: dict[str, _Registration] = {}
        self._fallback: _Registration | None = None
        self._children: list[Router] = []

    @staticmethod
    def _register(handler: Handler) -> _Registration:
        if not inspect.iscoroutinefunction(handler):
            raise TypeError(f"handler {handler.__qualname__} must be an async function")
        wants = tuple(inspect.signature(handler).parameters)
        unknown = [w for w in wants if w not in _INJECTABLE]
        if unknown:
            raise TypeError(
                f"handler {handler.__qualname__} asks for {', '.join(unknown)}; "
                f"available: {', '.join(sorted(_INJECTABLE))}"
            )
        return _Registration(handler, wants)

    def intent(self, *intents: str) -> Callable[[H], H]:
        """Decorator: the function handles mails classified as any of ``intents``."""
        for intent in intents:
            if intent not in INTENTS:
                raise ValueError(f"unknown intent {intent!r}; known: {', '.join(INTENTS)}")

        def decorate(handler: H) -> H:
            registration = self._register(handler)
            for intent in intents:
                if intent in self._handlers:
                    raise ValueError(
                        f"intent {intent!r} already handled by {self._handlers[intent].name}"
                    )
                self._handlers[intent] = registration
            return handler

        return decorate

    def fallback(self, handler: H) -> H:
        """Decorator: the function handles intents no router claims."""
        self._fallback = self._register(handler)
        return handler

    def include_router(self, router: Router) -> Router:
        """Add a child router; an intent may be claimed by only one router in the tree."""
        clash = set(self.intents()) & set(router.intents())
        if clash:
            raise ValueError(f"intents handled twice: {', '.join(sorted(clash))}")
        self._children.append(router)
        return router

    def intents(self) -> dict[str, str]:
        """Every intent in the tree and the handler that owns it."""
        found = {intent: reg.name for intent, reg in self._handlers.items()}
        for child in self._children:
            found.update(child.intents())
        return found

    def _find(self, intent: str) -> _Registration | None:
        if intent in self._handlers:
            return self._handlers[intent]
        for child in self._children:
            hit = child._find(intent)
            if hit is not None:
                return hit
        return None

    def _find_fallback(self) -> _Registration | None:
        if self._fallback is not None:
            return self._fallback
        for child in self._children:
            hit = child._find_fallback()
            if hit is not None:
                return hit
        return None

    async def dispatch(self, intent: str, context: HandlerContext) -> tuple[Decision, str]:
        """Call the handler for ``intent``; returns its decision and the handler's name."""
        registration = self._find(intent) or self._find_fallback()
        if registration is None:
            return Handoff(reason=f"no handler for intent {intent}"), "router"
        kwargs = {name: getattr(context, name) for name in registration.wants}
        decision = await registration.handler(**kwargs)
        if not isinstance(decision, Reply | Handoff | NoReply):
            raise TypeError(
                f"{registration.name} returned {type(decision).__name__}, not a decision"
            )
        return decision, registration.name
