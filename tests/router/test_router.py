"""The intent router: registration rules, nesting, injection by name."""

from datetime import UTC, datetime

import pytest

from bot.config import ShopSettings
from bot.mail.message import BuyerMail
from bot.nlp import Understanding
from bot.router import HandlerContext, Handoff, NoReply, Reply, Router, TicketView


def context(intent: str) -> HandlerContext:
    mail = BuyerMail(
        message_id="<m@x>",
        in_reply_to=None,
        references=[],
        from_addr="b@x.jp",
        from_name=None,
        reply_to=None,
        to=["shop@x.jp"],
        subject="件名",
        date=None,
        text="本文",
        new_text="本文",
        is_auto=False,
    )
    return HandlerContext(
        mail=mail,
        nlu=Understanding(intent=intent, confidence=0.9, angry=False, action="auto"),
        shop=ShopSettings(name="店"),
        ticket=TicketView(id=3, is_new=True),
        now=datetime(2026, 11, 26, tzinfo=UTC),
    )


async def test_handlers_get_only_the_arguments_they_name() -> None:
    router = Router()
    seen: dict[str, object] = {}

    @router.intent("invoice")
    async def invoice(shop: ShopSettings, ticket: TicketView) -> Reply:
        seen.update(shop=shop.name, ticket=ticket.id)
        return Reply("invoice/amazon.txt")

    decision, name = await router.dispatch("invoice", context("invoice"))
    assert decision == Reply("invoice/amazon.txt")
    assert name.endswith("invoice") and seen == {"shop": "店", "ticket": 3}


async def test_nested_routers_and_fallback() -> None:
    root, child, rest = Router("root"), Router("child"), Router("rest")

    @child.intent("thanks")
    async def thanks() -> NoReply:
        return NoReply("thanks")

    @rest.fallback
    async def anything(nlu: Understanding) -> Handoff:
        return Handoff(f"fallback for {nlu.intent}")

    root.include_router(child)
    root.include_router(rest)
    assert (await root.dispatch("thanks", context("thanks")))[0] == NoReply("thanks")
    assert (await root.dispatch("payment", context("payment")))[0] == Handoff(
        "fallback for payment"
    )
    assert root.intents() == {
        "thanks": thanks.__module__ + ".test_nested_routers_and_fallback.<locals>.thanks"
    }


def test_registration_mistakes_fail_at_start_up() -> None:
    router = Router()
    with pytest.raises(ValueError, match="unknown intent"):
        router.intent("shipping")
    with pytest.raises(TypeError, match="asks for"):

        @router.intent("cancel")
        async def wants_socket(smtp: object) -> Reply:  # pragma: no cover - never called
            return Reply("x")

    with pytest.raises(TypeError, match="async"):

        @router.intent("cancel")
        def not_async() -> Reply:  # type: ignore[type-var]  # pragma: no cover
            return Reply("x")

    @router.intent("cancel")
    async def cancel() -> Reply:
        return Reply("x")

    other = Router()

    @other.intent("cancel")
    async def cancel_again() -> Reply:
        return Reply("y")

    with pytest.raises(ValueError, match="handled twice"):
        router.include_router(other)


async def test_a_handler_returning_something_else_is_an_error() -> None:
    router = Router()

    @router.intent("other")
    async def wrong() -> str:  # type: ignore[type-var]
        return "reply"

    with pytest.raises(TypeError, match="not a decision"):
        await router.dispatch("other", context("other"))


def test_the_desk_router_covers_every_intent() -> None:
    from bot.intents import INTENTS
    from handlers import build_router

    router = build_router()
    assert router._find_fallback() is not None or set(router.intents()) == set(INTENTS)
