"""The brands' accounts on the open networks, from a TOML file (CLUETRAIN_LIVE_ACCOUNTS).

```toml
[brands.acme]
bluesky = ["acme.bsky.social", "did:plc:4k3..."]   # the brand's own accounts: handle or DID
mastodon = ["acme@mastodon.social"]                 # user@server
[brands.acme.employees]                             # people of the company, own accounts
bluesky = ["jane.bsky.social"]
[brands.acme.teams.care]                            # employees grouped by team (role employee too)
mastodon = ["joe@mastodon.social"]
```

A post's role comes from these lists (DESIGN.md § Live sources: mapping): an account
of the brand is `brand`, a listed employee of that brand `employee`, anyone else
`customer`. The event format has no team field: teams only organise the file.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cluetrain.sources.reconnect import ConnectorError

NETWORKS = ("bluesky", "mastodon")


class AccountsError(ConnectorError):
    """The accounts file is missing, does not parse, or names something we cannot use (one line)."""


@dataclass
class NetworkAccounts:
    """One network's accounts: account id (DID, or user@server) -> brand."""
    brand_accounts: dict[str, str] = field(default_factory=dict)
    employees: dict[str, str] = field(default_factory=dict)

    def role(self, brand: str, account: str) -> str:
        if self.brand_accounts.get(account) == brand:
            return "brand"
        if self.employees.get(account) == brand:
            return "employee"
        return "customer"

    def brand_of(self, account: str) -> str | None:
        """The brand whose official account this is (employees' posts start nothing)."""
        return self.brand_accounts.get(account)

    def resolve(self, resolve_id) -> "NetworkAccounts":
        """The same accounts with each name replaced by resolve_id(name) (Bluesky: handle -> DID)."""
        return NetworkAccounts({resolve_id(a): b for a, b in self.brand_accounts.items()},
                               {resolve_id(a): b for a, b in self.employees.items()})

    @property
    def brands(self) -> set[str]:
        return set(self.brand_accounts.values())


def load_accounts(path: str | Path, network: str) -> NetworkAccounts:
    """The accounts of `network` in the file; an error names the file and the key."""
    if not path:
        raise AccountsError("CLUETRAIN_LIVE_ACCOUNTS: required by the live sources: a TOML file of the "
                            "brands' accounts (README.md, Live sources)")
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountsError(f"{path}: accounts file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise AccountsError(f"{path}: {exc}") from None
    unknown = set(document) - {"brands"}
    if unknown:
        raise AccountsError(f"{path}: unknown table {sorted(unknown)[0]!r} (expected [brands.<brand>])")
    accounts = NetworkAccounts()
    for brand, table in document.get("brands", {}).items():
        where = f"{path}: brands.{brand}"
        if brand != brand.lower() or not brand.strip():
            raise AccountsError(f"{where}: a brand is a lower-case name (the events' brand field)")
        if not isinstance(table, dict):
            raise AccountsError(f"{where}: expected a table")
        _check_keys(where, table, {*NETWORKS, "employees", "teams"})
        _add(accounts.brand_accounts, brand, _names(where, table, network), where)
        employee_tables = [(f"{where}.employees", table.get("employees", {}))]
        employee_tables += [(f"{where}.teams.{team}", t) for team, t in table.get("teams", {}).items()]
        for sub_where, sub in employee_tables:
            if not isinstance(sub, dict):
                raise AccountsError(f"{sub_where}: expected a table")
            _check_keys(sub_where, sub, set(NETWORKS))
            _add(accounts.employees, brand, _names(sub_where, sub, network), sub_where)
    if not accounts.brand_accounts:
        raise AccountsError(f"{path}: no {network} account for any brand (add {network} = [...] under [brands.<brand>])")
    return accounts


def _check_keys(where: str, table: dict, allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise AccountsError(f"{where}: unknown key {unknown[0]!r} (one of {', '.join(sorted(allowed))})")


def _names(where: str, table: dict, network: str) -> list[str]:
    names = table.get(network, [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise AccountsError(f"{where}.{network}: expected a list of account names")
    return [normalize_account(network, n) for n in names]


def _add(target: dict[str, str], brand: str, names: list[str], where: str) -> None:
    for name in names:
        if target.get(name, brand) != brand:
            raise AccountsError(f"{where}: {name} is listed for brands {target[name]} and {brand}")
        target[name] = brand


def normalize_account(network: str, name: str) -> str:
    """Bluesky: a DID as is, a handle lower-cased without '@'; Mastodon: user@server, lower-cased."""
    name = name.strip()
    if network == "bluesky":
        return name if name.startswith("did:") else name.lstrip("@").lower()
    name = name.lstrip("@").lower()
    if "@" not in name:
        raise AccountsError(f"mastodon account {name!r}: expected user@server")
    return name
