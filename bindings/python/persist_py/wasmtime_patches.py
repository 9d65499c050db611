"""Three corrections to wasmtime-py 50's component calls, applied once on import.

1. An option's `none` case is `None`: wasmtime-py counts it as `object`, so a
   `result<option<T>, E>` returned by a host function can never lower its error (every value
   "is" an object), and a storage import that fails a read could not say so.
2. `list<u8>` crosses in bulk: wasmtime-py lifts and lowers it one byte at a time through
   ctypes (a 32-byte `wasmtime_component_val_t` per byte, about 1 µs each), which made a
   document of a few hundred bytes cost milliseconds. Here the bytes are written into, and
   read from, those values with one slice operation each: the same values, built in C.
3. Types are read once: wasmtime-py asks the C API for a function's parameter types, and for
   every record's fields and every variant's cases, on each call (a signal row alone is
   hundreds of such calls). A type never changes, so each is kept where it was first read:
   per exported function, per host function, and per type object below them.
"""

import ctypes

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import _enter, _func, _linker, _types

_VAL_SIZE = ctypes.sizeof(ffi.wasmtime_component_val_t)
_PAYLOAD = ffi.wasmtime_component_val_t.of.offset + ffi.wasmtime_component_valunion_t.u8.offset
_KIND = ffi.wasmtime_component_val_t.kind.offset


def take_string(val):  # type: ignore[no-untyped-def]
    """The string in a C value, its bytes freed (as wasmtime-py's lift does)."""
    vec = val.of.string
    try:
        return ctypes.string_at(vec.data, vec.size).decode("utf-8") if vec.size else ""
    finally:
        ffi.wasm_byte_vec_delete(ctypes.byref(vec))


def take_bytes(val):  # type: ignore[no-untyped-def]
    """The list<u8> in a C value, in one slice, its values freed."""
    lst = val.of.list
    try:
        n = lst.size
        return ctypes.string_at(lst.data, n * _VAL_SIZE)[_PAYLOAD::_VAL_SIZE] if n else b""
    finally:
        ffi.wasmtime_component_vallist_delete(ctypes.byref(lst))


def _option_none_is_none() -> None:
    original = _types.VariantLikeType.add_classes

    def add_classes(self, s):  # type: ignore[no-untyped-def]
        if isinstance(self, _types.OptionType):
            s.add(type(None))
            self.payload.add_classes(s)
        else:
            original(self, s)

    _types.VariantLikeType.add_classes = add_classes  # type: ignore[method-assign]


def _byte_lists_in_bulk() -> None:
    template = bytearray(_VAL_SIZE)
    template[_KIND] = ffi.WASMTIME_COMPONENT_U8.value
    list_type = _types.ListType
    to_c, from_c = list_type.convert_to_c, list_type.convert_from_c

    def convert_to_c(self, store, val, ptr):  # type: ignore[no-untyped-def]
        if not isinstance(val, (bytes, bytearray)) or not self._is_bytes():
            return to_c(self, store, val, ptr)
        n = len(val)
        raw = ffi.wasmtime_component_vallist_t()
        ffi.wasmtime_component_vallist_new_uninit(raw, n)
        if n:
            values = template * n
            values[_PAYLOAD::_VAL_SIZE] = val
            ctypes.memmove(raw.data, bytes(values), n * _VAL_SIZE)
        ptr.contents.kind = ffi.WASMTIME_COMPONENT_LIST
        ptr.contents.of.list = raw

    def convert_from_c(self, c):  # type: ignore[no-untyped-def]
        if not self._is_bytes():
            return from_c(self, c)
        return take_bytes(c)

    # `_is_bytes` reads the element type through the C API on every call: once per type.
    def is_bytes(self):  # type: ignore[no-untyped-def]
        cached = self.__dict__.get("_persist_is_bytes")
        if cached is None:
            cached = self.__dict__["_persist_is_bytes"] = isinstance(self.element, _types.U8)
        return cached

    list_type.convert_to_c = convert_to_c  # type: ignore[method-assign]
    list_type.convert_from_c = convert_from_c  # type: ignore[method-assign]
    list_type._is_bytes = is_bytes  # type: ignore[method-assign]


def _cache_property(cls, name):  # type: ignore[no-untyped-def]
    prop = cls.__dict__[name]
    key = f"_persist_{name}"

    def get(self):  # type: ignore[no-untyped-def]
        d = self.__dict__
        if key not in d:
            d[key] = prop.fget(self)
        return d[key]

    setattr(cls, name, property(get, doc=prop.__doc__))


def _cache_method(cls, name):  # type: ignore[no-untyped-def]
    method = getattr(cls, name)
    key = f"_persist_{name}"

    def get(self):  # type: ignore[no-untyped-def]
        d = self.__dict__
        if key not in d:
            d[key] = method(self)
        return d[key]

    setattr(cls, name, get)


def _types_read_once() -> None:
    for cls in vars(_types).values():
        if isinstance(cls, type) and issubclass(cls, _types.ValType):
            for name in ("element", "fields", "elements", "cases", "names", "payload", "ok", "err"):
                if isinstance(cls.__dict__.get(name), property):
                    _cache_property(cls, name)
    _cache_method(_types.VariantLikeType, "_tagged")
    for cls in (_types.VariantType, _types.OptionType, _types.ResultType):
        _cache_method(cls, "_cases")

    # An exported function's type, once per Func (persist keeps its Funcs).
    func_type = _func.Func.type

    def exported_type(self, store):  # type: ignore[no-untyped-def]
        fty = self.__dict__.get("_persist_type")
        if fty is None:
            fty = self.__dict__["_persist_type"] = func_type(self, store)
            fty.params, fty.result  # read now, kept on the FuncType
        return fty

    _func.Func.type = exported_type  # type: ignore[method-assign]
    _cache_property(_types.FuncType, "params")
    _cache_property(_types.FuncType, "result")

    # A host function's parameter and result types, once per function. The function type
    # itself is lent for the call; the parameter and result types read from it are copies.
    host_types: dict = {}

    @ffi.wasmtime_component_func_callback_t
    def func_impl(idx, context, ty_raw, args, nargs, results, nresults):  # type: ignore[no-untyped-def]
        def run(store):  # type: ignore[no-untyped-def]
            func = _linker.FUNCTIONS.get(idx or 0)
            types = host_types.get(idx)
            # A slot freed with its linker may hold another function later.
            if types is None or types[0] is not func:
                with _types.FuncType._from_ptr(ty_raw, owner=store) as fty:
                    types = host_types[idx] = (func, [ty for _, ty in fty.params], fty.result)
            _, param_tys, result_ty = types
            raw = getattr(func, "persist_raw", None)
            if raw is not None:
                raw(store, args, result_ty, results)
                return
            pyargs = [ty.convert_from_c(args[i]) for ty, i in zip(param_tys, range(nargs))]
            result = func(store, *pyargs)
            if result_ty is not None:
                result_ty.convert_to_c(store, result, results)

        return _linker.catch_exceptions(context, run)

    _linker.func_impl = func_impl


def _records_and_options_direct() -> None:
    """Records and (untagged) options convert field by field without wasmtime-py's per-call
    work: each record field's name is encoded once, an option's payload classes are not
    recomputed for every value. Nested (tagged) options keep wasmtime-py's own path."""
    record, option = _types.RecordType, _types.OptionType
    pointer, byref = ctypes.pointer, ctypes.byref
    none_kind = ffi.WASMTIME_COMPONENT_BOOL

    def encoded_fields(self):  # type: ignore[no-untyped-def]
        f = self.__dict__.get("_persist_encoded")
        if f is None:
            f = self.__dict__["_persist_encoded"] = [
                (n, ty, len(b), (ffi.wasm_byte_t * len(b)).from_buffer_copy(b))
                for n, ty in self.fields
                for b in [n.encode("utf-8")]
            ]
        return f

    def record_to_c(self, store, val, ptr):  # type: ignore[no-untyped-def]
        fields = encoded_fields(self)
        raw = ffi.wasmtime_component_valrecord_t()
        ffi.wasmtime_component_valrecord_new_uninit(raw, len(fields))
        i = 0
        try:
            new_name = ffi.wasm_byte_vec_new
            for name, ty, size, encoded in fields:
                entry = raw.data[i]
                ty.convert_to_c(store, getattr(val, name), pointer(entry.val))
                new_name(byref(entry.name), size, encoded)
                i += 1
            ptr.contents.kind = ffi.WASMTIME_COMPONENT_RECORD
            ptr.contents.of.record = raw
        except BaseException:
            for j in range(i, len(fields)):
                raw.data[j].val.kind = none_kind
                raw.data[j].val.of.boolean = False
            ffi.wasmtime_component_valrecord_delete(byref(raw))
            raise

    def record_from_c(self, c):  # type: ignore[no-untyped-def]
        try:
            ret = _types.Record()
            data = c.of.record.data
            for i, (name, ty, _, _) in zip(range(c.of.record.size), encoded_fields(self)):
                field = data[i].val
                setattr(ret, name, ty.convert_from_c(field))
                field.kind = none_kind
                field.of.boolean = False
            return ret
        finally:
            ffi.wasmtime_component_valrecord_delete(c.of.record)

    option_to_c_general, option_from_c_general = option.convert_to_c, option.convert_from_c

    def option_to_c(self, store, val, ptr):  # type: ignore[no-untyped-def]
        if self._tagged():
            return option_to_c_general(self, store, val, ptr)
        boxed = None
        if val is not None:
            raw = ffi.wasmtime_component_val_t()
            self.payload.convert_to_c(store, val, pointer(raw))
            boxed = ffi.wasmtime_component_val_new(byref(raw))
        ptr.contents.kind = ffi.WASMTIME_COMPONENT_OPTION
        ptr.contents.of.option = boxed

    def option_from_c(self, c):  # type: ignore[no-untyped-def]
        if self._tagged():
            return option_from_c_general(self, c)
        boxed = c.of.option
        if not boxed:
            return None
        value = self.payload.convert_from_c(boxed.contents)
        boxed.contents.kind = none_kind
        boxed.contents.of.boolean = False
        ffi.wasmtime_component_val_delete(boxed)
        return value

    # Which case an untagged value is in (results, variants): each case's classes found once.
    def case_classes(self):  # type: ignore[no-untyped-def]
        found = self.__dict__.get("_persist_case_classes")
        if found is None:
            found = []
            for name, ty in self._cases():
                classes: set = set()
                if ty is not None:
                    ty.add_classes(classes)
                found.append((name, ty, tuple(classes)))
            self.__dict__["_persist_case_classes"] = found
        return found

    lower_general = _types.VariantLikeType._lower

    def lower(self, store, val):  # type: ignore[no-untyped-def]
        if self._tagged():
            return lower_general(self, store, val)
        for name, ty, classes in case_classes(self):
            if ty is None:
                if val is not None:
                    continue
                return (name, None)
            if not isinstance(val, classes):
                continue
            raw = ffi.wasmtime_component_val_t()
            ty.convert_to_c(store, val, pointer(raw))
            return (name, ffi.wasmtime_component_val_new(byref(raw)))
        raise ValueError("value not valid for this variant")

    _types.VariantLikeType._lower = lower  # type: ignore[method-assign]
    record.convert_to_c, record.convert_from_c = record_to_c, record_from_c  # type: ignore[method-assign]
    option.convert_to_c, option.convert_from_c = option_to_c, option_from_c  # type: ignore[method-assign]


def _strings_direct() -> None:
    """Strings cross with one C call each way instead of four."""
    byref = ctypes.byref
    kind = ffi.WASMTIME_COMPONENT_STRING

    def to_c(self, store, val, ptr):  # type: ignore[no-untyped-def]
        if not isinstance(val, str):
            raise TypeError("expected string type")
        data = val.encode("utf-8")
        target = ptr.contents
        target.kind = kind
        _vec_from_bytes(byref(target.of.string), len(data), data)

    def from_c(self, c):  # type: ignore[no-untyped-def]
        return take_string(c)

    _types.String.convert_to_c, _types.String.convert_from_c = to_c, from_c  # type: ignore[method-assign]


def end_borrow(store, val):  # type: ignore[no-untyped-def]
    """Ends the borrow of a resource a host function was given, and frees its handle."""
    ptr = ffi.take_pointer(val.of, "resource")
    try:
        error = ffi.wasmtime_component_resource_any_drop(store._context(), ptr)
        if error:
            raise WasmtimeError._from_ptr(error)
    finally:
        ffi.wasmtime_component_resource_any_delete(ptr)


def raw_host_function(run):  # type: ignore[no-untyped-def]
    """Marks `run(store, args, result_type, results)` as a host function that takes its
    arguments from the C values itself (with take_string, take_bytes, end_borrow) and writes
    its result with `result_type.convert_to_c`."""

    def generic(*_):  # type: ignore[no-untyped-def]
        raise RuntimeError("a raw host function is called through persist's func_impl only")

    generic.persist_raw = run  # type: ignore[attr-defined]
    return generic


# `wasm_byte_vec_new` taking the bytes of a Python `bytes` directly (its own function object:
# wasmtime-py's keeps its argument types).
_vec_from_bytes = ffi.dll._FuncPtr(("wasm_byte_vec_new", ffi.dll))
_vec_from_bytes.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
_vec_from_bytes.restype = None
_PARAMS: dict = {}


def call_with_strings(func, store, strings):  # type: ignore[no-untyped-def]
    """Calls `func`, a function of strings returning `result<string, E>`, with its strings
    lowered and its string result lifted in a few C calls: `(True, text)`, or `(False, error)`
    with the error as wasmtime-py lifts it. Errors of the call itself are raised as
    wasmtime-py raises them (a Python exception of a host function first)."""
    n = len(strings)
    array = _PARAMS.get(n)
    if array is None:
        array = _PARAMS[n] = ffi.wasmtime_component_val_t * n
    params = array()
    byref, delete = ctypes.byref, ffi.wasmtime_component_val_delete
    string_kind = ffi.WASMTIME_COMPONENT_STRING
    for param, text in zip(params, strings):
        data = text.encode("utf-8")
        param.kind = string_kind
        _vec_from_bytes(byref(param.of.string), len(data), data)
    result = ffi.wasmtime_component_val_t()
    try:
        error = ffi.wasmtime_component_func_call(byref(func._func), store._context(), params, n, byref(result), 1)
    finally:
        for param in params:
            delete(byref(param))
    if error:
        failure = WasmtimeError._from_ptr(error)
        _enter.maybe_raise_last_exn()
        raise failure
    outcome = result.of.result
    if outcome.is_ok:
        try:
            return True, take_string(outcome.val.contents)
        finally:
            delete(byref(result))
    return False, func.type(store).result.convert_from_c(result)


_option_none_is_none()
_byte_lists_in_bulk()
_types_read_once()
_records_and_options_direct()
_strings_direct()
