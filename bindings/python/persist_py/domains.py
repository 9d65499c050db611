"""The domain adapters in the shape of the WIT: one object per context, made by `Persist`
(`persist.signal("BTCUSDT", "my-strategy", "binance")`), with backtest-kit's
`Persist<X>Instance` operations under the same names as the Rust API (snake_case) and the
Node API (camelCase). Values are plain Python data in backtest-kit's JSON shape (dicts, lists,
numbers); Infinity goes in as is and comes back as `math.inf`, as backtest-kit restores it.
"""

import json
import math
from types import SimpleNamespace
from typing import Any, List, Optional, Tuple

_DEFERRED_ROWS = ("closedSignal", "cancelledSignal", "activatedSignal", "takeProfitSignal", "stopLossSignal",
                  "retryOpenSignal")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ENCODER_NULLS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """JSON text as JavaScript's `JSON.stringify` writes it: Infinity and NaN become null."""
    try:
        return _ENCODER.encode(value)
    except ValueError:
        pass  # a non-finite number somewhere: written as null, as JSON.stringify does

    def finite(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: finite(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [finite(x) for x in v]
        return v

    return _ENCODER_NULLS.encode(finite(value))


def with_infinity(row: Optional[dict]) -> Optional[dict]:
    """backtest-kit restores `minuteEstimatedTime: null` (Infinity written as JSON) to Infinity."""
    if isinstance(row, dict) and row.get("minuteEstimatedTime") is None:
        row["minuteEstimatedTime"] = math.inf
    return row


class Handle:
    """One resource in the guest: a context's `<domain>-instance` or a `persist-base`. It is
    dropped in the guest by `close()`, at the end of a `with` block, or when garbage-collected."""

    _INTERFACE = ""
    _RESOURCE = ""

    def __init__(self, persist: Any, *context: Any):
        self._persist = persist
        self._handle = persist.call(self._INTERFACE, f"[constructor]{self._RESOURCE}", *context)

    def _call(self, method: str, *args: Any) -> Any:
        if self._handle is None:
            raise ValueError(f"this {self._RESOURCE} was closed; make a new one")
        return self._persist.call(self._INTERFACE, f"[method]{self._RESOURCE}.{method}", self._handle, *args)

    def wait_for_init(self, initial: bool = True) -> Any:
        """Validates the documents once for all handles of the same context, moving invalid ones
        to the quarantine; returns the report of that pass (`findings`, `checked`)."""
        return self._call("wait-for-init", initial)

    def close(self) -> None:
        """Drops the resource in the guest; later calls raise ValueError."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.drop(self._persist._store)

    def __enter__(self) -> "Handle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # the store may be gone already at interpreter exit
            pass


def _report(r: dict) -> SimpleNamespace:
    return SimpleNamespace(checked=r["checked"], valid=r["valid"],
                           findings=[SimpleNamespace(**f) for f in r["findings"]])


class Instance:
    """A context of one domain. Each operation is one call of the guest's `json-calls` with
    backtest-kit's JSON (one crossing, no typed record to convert field by field); the guest
    keeps the context's state, shared with every other handle of the same context. `close()`
    (or the end of a `with` block) ends this handle; later calls raise ValueError."""

    _DOMAIN = ""

    def __init__(self, persist: Any, *context: Any):
        self._persist = persist
        self._context: Optional[str] = dumps(list(context))

    def _json(self, operation: str, *args: Any) -> Any:
        if self._context is None:
            raise ValueError(f"this {self._DOMAIN} handle was closed; make a new one")
        return json.loads(self._persist.call_json(self._DOMAIN, self._context, operation, dumps(list(args))))

    def wait_for_init(self, initial: bool = True) -> SimpleNamespace:
        """Validates the context's documents once for all its handles, moving invalid ones to the
        quarantine; returns the report of that pass (`findings`, `checked`, `valid`)."""
        return _report(self._json("waitForInit", initial))

    def close(self) -> None:
        self._context = None

    def __enter__(self) -> "Instance":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SignalInstance(Instance):
    """backtest-kit's `PersistSignalInstance`: the open signal of a symbol, strategy and exchange."""

    _DOMAIN = "signal"

    def read_signal_data(self) -> Optional[dict]:
        return with_infinity(self._json("readSignalData"))

    def write_signal_data(self, signal_row: Optional[dict]) -> None:
        self._json("writeSignalData", signal_row)


class ScheduleInstance(Instance):
    """backtest-kit's `PersistScheduleInstance`: the scheduled signal of a symbol, strategy and exchange."""

    _DOMAIN = "schedule"

    def read_schedule_data(self) -> Optional[dict]:
        return with_infinity(self._json("readScheduleData"))

    def write_schedule_data(self, signal_row: Optional[dict]) -> None:
        self._json("writeScheduleData", signal_row)


class RecentInstance(Instance):
    """backtest-kit's `PersistRecentInstance`: the most recent signal of a context."""

    _DOMAIN = "recent"

    def read_recent_data(self) -> Optional[dict]:
        return with_infinity(self._json("readRecentData"))

    def write_recent_data(self, signal_row: Optional[dict], when: float = 0.0) -> None:
        self._json("writeRecentData", signal_row, float(when))


class StrategyInstance(Instance):
    """backtest-kit's `PersistStrategyInstance`: the strategy's state for a symbol, strategy and exchange."""

    _DOMAIN = "strategy"

    def read_strategy_data(self) -> Optional[dict]:
        out = self._json("readStrategyData")
        if out is not None:
            for key in _DEFERRED_ROWS:
                with_infinity(out.get(key))
        return out

    def write_strategy_data(self, data: Optional[dict]) -> None:
        self._json("writeStrategyData", data)


class RiskInstance(Instance):
    """backtest-kit's `PersistRiskInstance`: a risk profile's open positions as `[key, position]` pairs."""

    _DOMAIN = "risk"

    def read_position_data(self, when: float = 0.0) -> List[list]:
        pairs = self._json("readPositionData", float(when))
        for _, position in pairs:
            with_infinity(position)
        return pairs

    def write_position_data(self, risk_row: List[list], when: float = 0.0) -> None:
        self._json("writePositionData", risk_row, float(when))

    def put_position(self, key: str, position: Any, max_positions: Optional[int] = None) -> bool:
        """Sets one key's position (None removes it) by compare-and-swap, leaving the other
        keys as stored; with `max_positions`, a new key gets a slot only while fewer than that
        many others hold one. False when the profile is full (nothing written)."""
        return self._json("putPosition", key, position, max_positions)


class PartialInstance(Instance):
    """backtest-kit's `PersistPartialInstance`: `{signalId: {profitLevels, lossLevels}}` per signal."""

    _DOMAIN = "partial"

    def read_partial_data(self, signal_id: str, when: float = 0.0) -> dict:
        return self._json("readPartialData", signal_id, float(when))

    def write_partial_data(self, partial_data: dict, signal_id: str, when: float = 0.0) -> None:
        self._json("writePartialData", partial_data, signal_id, float(when))


class BreakevenInstance(Instance):
    """backtest-kit's `PersistBreakevenInstance`: `{signalId: {reached}}` per signal."""

    _DOMAIN = "breakeven"

    def read_breakeven_data(self, signal_id: str, when: float = 0.0) -> dict:
        return self._json("readBreakevenData", signal_id, float(when))

    def write_breakeven_data(self, breakeven_data: dict, signal_id: str, when: float = 0.0) -> None:
        self._json("writeBreakevenData", breakeven_data, signal_id, float(when))


class CandleInstance(Instance):
    """backtest-kit's `PersistCandleInstance`: the cached candles of a symbol, interval and exchange."""

    _DOMAIN = "candle"

    def read_candles_data(self, limit: int, since_timestamp: float, until_timestamp: float = 0.0) -> Optional[list]:
        """The `limit` candles from `since_timestamp`, or None if one is missing (a cache miss)."""
        return self._json("readCandlesData", int(limit), float(since_timestamp), float(until_timestamp))

    def write_candles_data(self, candles: list) -> dict:
        """Writes closed candles not yet stored (first write wins); says how many of each."""
        return self._json("writeCandlesData", candles)


class StorageInstance(Instance):
    """backtest-kit's `PersistStorageInstance`: the signal rows of backtest or live data, by id."""

    _DOMAIN = "storage"

    def read_storage_data(self) -> List[dict]:
        return [with_infinity(r) for r in self._json("readStorageData")]

    def write_storage_data(self, signal_data: List[dict]) -> None:
        self._json("writeStorageData", signal_data)


class NotificationInstance(Instance):
    """backtest-kit's `PersistNotificationInstance`: the notifications of backtest or live data, by id."""

    _DOMAIN = "notification"

    def read_notification_data(self) -> List[dict]:
        # As backtest-kit's reader: Infinity back only where the notification has the field.
        rows = self._json("readNotificationData")
        return [with_infinity(r) if "minuteEstimatedTime" in r else r for r in rows]

    def write_notification_data(self, notification_data: List[dict]) -> None:
        self._json("writeNotificationData", notification_data)


class LogInstance(Instance):
    """backtest-kit's `PersistLogInstance`: the append-only log, by id."""

    _DOMAIN = "log"

    def read_log_data(self) -> List[dict]:
        return self._json("readLogData")

    def write_log_data(self, log_data: List[dict]) -> int:
        """Writes the entries whose id is not stored yet; returns how many were."""
        return self._json("writeLogData", log_data)


class MeasureInstance(Instance):
    """backtest-kit's `PersistMeasureInstance`: one bucket of cached measures, soft-deleted."""

    _DOMAIN = "measure"

    def read_measure_data(self, key: str) -> Any:
        return self._json("readMeasureData", key)

    def write_measure_data(self, data: Any, key: str, when: float = 0.0) -> None:
        self._json("writeMeasureData", data, key, float(when))

    def remove_measure_data(self, key: str) -> None:
        self._json("removeMeasureData", key)

    def list_measure_data(self) -> List[str]:
        return self._json("listMeasureData")


class IntervalInstance(Instance):
    """backtest-kit's `PersistIntervalInstance`: one bucket of values cached per interval, soft-deleted."""

    _DOMAIN = "interval"

    def read_interval_data(self, key: str) -> Any:
        return self._json("readIntervalData", key)

    def write_interval_data(self, data: Any, key: str, when: float = 0.0) -> None:
        self._json("writeIntervalData", data, key, float(when))

    def remove_interval_data(self, key: str) -> None:
        self._json("removeIntervalData", key)

    def list_interval_data(self) -> List[str]:
        return self._json("listIntervalData")


class MemoryInstance(Instance):
    """backtest-kit's `PersistMemoryInstance`: one bucket of a signal's memory entries, soft-deleted."""

    _DOMAIN = "memory"

    def read_memory_data(self, memory_id: str) -> Any:
        return self._json("readMemoryData", memory_id)

    def has_memory_data(self, memory_id: str) -> bool:
        """True even when soft-removed."""
        return self._json("hasMemoryData", memory_id)

    def write_memory_data(self, data: Any, memory_id: str, when: float = 0.0) -> None:
        self._json("writeMemoryData", data, memory_id, float(when))

    def remove_memory_data(self, memory_id: str) -> None:
        self._json("removeMemoryData", memory_id)

    def list_memory_data(self) -> List[dict]:
        return self._json("listMemoryData")

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._json("dispose")


class StateInstance(Instance):
    """backtest-kit's `PersistStateInstance`: one state value of a signal."""

    _DOMAIN = "state"

    def read_state_data(self) -> Any:
        return self._json("readStateData")

    def write_state_data(self, data: Any, when: float = 0.0) -> None:
        self._json("writeStateData", data, float(when))

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._json("dispose")


class SessionInstance(Instance):
    """backtest-kit's `PersistSessionInstance`: the session data of a strategy, exchange, frame, symbol and mode."""

    _DOMAIN = "session"

    def read_session_data(self) -> Any:
        """None when missing or when the stored record is another session's (with a warning)."""
        return self._json("readSessionData")

    def write_session_data(self, data: Any, when: float = 0.0) -> None:
        self._json("writeSessionData", data, float(when))

    def dispose(self) -> None:
        """Drops the context from the guest's memo: the next call re-reads and re-validates."""
        self._json("dispose")


class PersistBase(Handle):
    """backtest-kit's `PersistBase` for an entity of your own: values are JSON-able Python data."""

    _INTERFACE, _RESOURCE = "base", "persist-base"

    def read_value(self, id: str) -> Any:
        return json.loads(self._call("read-value", id))

    def has_value(self, id: str) -> bool:
        return self._call("has-value", id)

    def write_value(self, id: str, value: Any) -> None:
        self._call("write-value", id, dumps(value))

    def remove_value(self, id: str) -> None:
        self._call("remove-value", id)

    def keys(self) -> List[str]:
        return self._call("keys")

    def read_many(self, ids: List[str]) -> List[Any]:
        """The values of `ids` in their order (None where absent), in one storage call."""
        return [None if t is None else json.loads(t) for t in self._call("read-many", list(ids))]

    def write_many(self, entries: List[Tuple[str, Any]]) -> None:
        """(id, value) pairs as one storage batch, durable on return; an invalid value writes
        nothing."""
        self._call("write-many", [(id, dumps(value)) for id, value in entries])
