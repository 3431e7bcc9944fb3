"""SNS subscriptions of the alias to topics, with an optional filter policy.

A subscription is identified by (topic, endpoint = the alias ARN), which SNS itself
keeps unique, so no name or tag is needed to find lw's subscriptions again.
"""

from __future__ import annotations

import json
from typing import Any

from lw.core.errors import ProviderError
from lw.core.model import EventBinding
from lw.core.plan import Change, Outputs
from lw.providers.aws.events.bindings import label, option, source_arn
from lw.providers.aws.events.permissions import PRINCIPALS, Grant, grant_sid
from lw.providers.aws.events.reads import paginate, read, read_optional
from lw.providers.aws.events.target import Target


def grant_for(binding: EventBinding) -> Grant:
    return Grant(sid=grant_sid(binding.name), principal=PRINCIPALS["sns"], source_arn=source_arn(binding))


def filter_policy(binding: EventBinding) -> dict[str, Any] | None:
    filters = option(binding, "filters")
    return dict(filters) if filters else None


def read_subscriptions(target: Target, topics: list[str]) -> tuple[dict[str, str], set[str]]:
    """Topic ARN -> subscription ARN of the alias, and the topics that do not exist."""
    client = target.aws.client("sns")
    found: dict[str, str] = {}
    missing: set[str] = set()
    for topic in topics:
        subscriptions = read_optional(
            "list the subscriptions of",
            f"topic {topic}",
            lambda: paginate(client, "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic),
        )
        if subscriptions is None:
            missing.add(topic)
            continue
        for sub in subscriptions:
            if sub.get("Protocol") == "lambda" and sub.get("Endpoint") == target.alias_arn and _confirmed(sub):
                found[topic] = str(sub["SubscriptionArn"])
    return found, missing


def read_all_subscriptions(target: Target) -> dict[str, str]:
    """Every subscription of the alias in the region (used by undeploy, which must find
    them even when ``lw.yml`` and the function's policy no longer list the topic)."""
    client = target.aws.client("sns")
    subscriptions = read("list", "SNS subscriptions", lambda: paginate(client, "list_subscriptions", "Subscriptions"))
    return {
        str(s["TopicArn"]): str(s["SubscriptionArn"])
        for s in subscriptions
        if s.get("Protocol") == "lambda" and s.get("Endpoint") == target.alias_arn and _confirmed(s)
    }


def _confirmed(subscription: dict[str, Any]) -> bool:
    return str(subscription.get("SubscriptionArn") or "").startswith("arn:")


def _current_filter(target: Target, subscription_arn: str) -> dict[str, Any] | None:
    client = target.aws.client("sns")
    attributes = read(
        "read the attributes of",
        f"subscription {subscription_arn}",
        lambda: client.get_subscription_attributes(SubscriptionArn=subscription_arn),
    )["Attributes"]
    text = attributes.get("FilterPolicy")
    policy = json.loads(text) if text else None
    return policy or None


def plan_sns(target: Target, bindings: list[EventBinding], known_topics: list[str]) -> list[Change]:
    """Subscribe, re-filter or unsubscribe; ``known_topics`` adds topics wired before
    (from the function's policy) so a removed binding's subscription is found."""
    wanted = {source_arn(b): b for b in bindings}
    current, missing = read_subscriptions(target, sorted(set(wanted) | set(known_topics)))
    absent = sorted(missing & set(wanted))
    if absent:
        raise ProviderError(f"{label(wanted[absent[0]])}: SNS topic {absent[0]} does not exist")
    changes: list[Change] = []
    for topic, binding in sorted(wanted.items()):
        resource = f"sns subscription of {target.function_name}:live to {topic}"
        policy = filter_policy(binding)
        subscription = current.get(topic)
        if subscription is None:
            changes.append(
                Change(
                    "create", resource, f"new event {binding.name}", _subscribe(target, topic, policy), step="subscribe"
                )
            )
        elif _current_filter(target, subscription) != policy:
            changes.append(
                Change(
                    "update",
                    resource,
                    "filter policy changed",
                    _set_filter(target, subscription, policy),
                    step="set filter policy",
                )
            )
        else:
            changes.append(Change("noop", resource, "up to date"))
    changes.extend(unsubscribe_changes(target, {t: s for t, s in current.items() if t not in wanted}))
    return changes


def unsubscribe_changes(target: Target, subscriptions: dict[str, str]) -> list[Change]:
    return [
        Change(
            "delete",
            f"sns subscription of {target.function_name}:live to {topic}",
            "event no longer configured",
            _unsubscribe(target, subscription),
            step="unsubscribe",
        )
        for topic, subscription in sorted(subscriptions.items())
    ]


def _subscribe(target: Target, topic: str, policy: dict[str, Any] | None) -> Any:
    def apply(outputs: Outputs) -> None:
        params: dict[str, Any] = {
            "TopicArn": topic,
            "Protocol": "lambda",
            "Endpoint": target.alias_arn,
            "ReturnSubscriptionArn": True,
        }
        if policy:
            params["Attributes"] = {"FilterPolicy": json.dumps(policy, sort_keys=True)}
        target.aws.client("sns").subscribe(**params)

    return apply


def _set_filter(target: Target, subscription: str, policy: dict[str, Any] | None) -> Any:
    def apply(outputs: Outputs) -> None:
        target.aws.client("sns").set_subscription_attributes(
            SubscriptionArn=subscription,
            AttributeName="FilterPolicy",
            AttributeValue=json.dumps(policy, sort_keys=True) if policy else "{}",
        )

    return apply


def _unsubscribe(target: Target, subscription: str) -> Any:
    def apply(outputs: Outputs) -> None:
        target.aws.client("sns").unsubscribe(SubscriptionArn=subscription)

    return apply


def describe_sns(target: Target, bindings: list[EventBinding], known_topics: list[str]) -> list[dict[str, Any]]:
    wanted = {source_arn(b): b for b in bindings}
    current, _ = read_subscriptions(target, sorted(set(wanted) | set(known_topics)))
    rows = [
        _row(b.name, b.function, topic, current.get(topic), "enabled" if topic in current else "missing")
        for topic, b in sorted(wanted.items())
    ]
    rows += [_row("", "", t, s, "not configured") for t, s in sorted(current.items()) if t not in wanted]
    return rows


def _row(name: str, function: str, topic: str, subscription: str | None, state: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "sns",
        "function": function,
        "source": topic,
        "resource": subscription or "",
        "state": state,
    }
