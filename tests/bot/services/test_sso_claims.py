"""ID token claims → GovBot role and tenants, as Keycloak and ADFS send them (issue 14, item 11).

The claims are shaped like those of the two providers docs/deployment.md configures; the
whole flow against a real provider is tests/bot/test_api_sso.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import SsoRefusedError
from bot.services.sso import SsoIdentity, claim_values, identity_from_claims
from bot.settings import OidcSettings
from bot.storage.models import StaffRole

KEYCLOAK = OidcSettings(
    issuer="https://login.stadt.de/realms/verwaltung",
    client_id="govbot",
    client_secret="from-env",  # type: ignore[arg-type]
    roles_claim="realm_access.roles",
    role_map={"govbot-admin": "admin", "govbot-agent": "agent"},
)
ADFS = OidcSettings(
    issuer="https://adfs.stadt.de/adfs",
    client_id="5f0c2b1e",
    client_secret="from-env",  # type: ignore[arg-type]
    username_claim="upn",
    roles_claim="role",
    role_map={"GovBot-Admin": "admin", "GovBot-Redaktion": "editor"},
    tenants_claim="role",
    tenant_map={"GovBot-Muenchen": "muenchen", "GovBot-Augsburg": "lkaugsburg"},
)


def test_keycloak_realm_roles_are_read_from_the_nested_claim() -> None:
    claims: dict[str, Any] = {
        "sub": "f3a1",
        "preferred_username": "bea",
        "realm_access": {"roles": ["offline_access", "govbot-agent"]},
        "govbot_tenants": ["muenchen", "lkaugsburg"],
    }

    assert identity_from_claims(claims, KEYCLOAK) == SsoIdentity(
        subject="f3a1", username="bea", role=StaffRole.AGENT, tenants=("lkaugsburg", "muenchen")
    )


def test_adfs_groups_give_role_and_tenants_through_the_maps() -> None:
    claims: dict[str, Any] = {
        "sub": "x9",
        "upn": "eva@stadt.de",
        "role": ["Domänen-Benutzer", "GovBot-Redaktion", "GovBot-Augsburg"],
    }

    identity = identity_from_claims(claims, ADFS)

    assert (identity.username, identity.role, identity.tenants) == (
        "eva@stadt.de",
        StaffRole.EDITOR,
        ("lkaugsburg",),
    )


def test_a_single_role_string_counts_and_the_first_map_entry_wins() -> None:
    single = {"sub": "x1", "upn": "ada@stadt.de", "role": "GovBot-Admin"}
    both = {**single, "role": ["GovBot-Redaktion", "GovBot-Admin", "GovBot-Muenchen"]}

    assert claim_values(single, "role") == ["GovBot-Admin"]
    assert identity_from_claims(both, ADFS).role == StaffRole.ADMIN


def test_default_tenants_and_every_tenant() -> None:
    one_town = KEYCLOAK.model_copy(update={"default_tenants": ["muenchen"]})
    claims: dict[str, Any] = {
        "sub": "a",
        "preferred_username": "ada",
        "realm_access": {"roles": ["govbot-admin"]},
    }

    assert identity_from_claims(claims, one_town).tenants == ("muenchen",)
    assert identity_from_claims({**claims, "govbot_tenants": ["*"]}, KEYCLOAK).tenants == ("*",)


def test_values_that_are_no_tenant_id_are_ignored() -> None:
    claims: dict[str, Any] = {
        "sub": "b",
        "preferred_username": "bea",
        "realm_access": {"roles": ["govbot-agent"]},
        "govbot_tenants": ["Landeshauptstadt München", "muenchen"],
    }

    assert identity_from_claims(claims, KEYCLOAK).tenants == ("muenchen",)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"sub": "c", "realm_access": {"roles": ["govbot-agent"]}}, "no_username"),
        ({"sub": "c", "preferred_username": "x" * 65, "govbot_tenants": ["m"]}, "no_username"),
        ({"sub": "c", "preferred_username": "carl", "realm_access": {"roles": []}}, "no_role"),
        (
            {"sub": "c", "preferred_username": "carl", "realm_access": {"roles": ["govbot-agent"]}},
            "no_tenant",
        ),
    ],
)
def test_refusals_name_their_reason(claims: dict[str, Any], reason: str) -> None:
    with pytest.raises(SsoRefusedError) as refused:
        identity_from_claims(claims, KEYCLOAK)

    assert refused.value.reason == reason


def test_an_empty_issuer_means_single_sign_on_is_off() -> None:
    assert not OidcSettings(issuer="", client_id="").enabled
