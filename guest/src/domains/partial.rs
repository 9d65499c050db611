//! `data/partial/<symbol>_<strategy>_<exchange>/<signal-id>.json`: the partial-profit and
//! partial-loss levels each signal reached.

super::levels::domain!(
    partial,
    Partial,
    PartialInstance,
    GuestPartialInstance,
    PartialLevels,
    read_partial_data,
    write_partial_data,
    partial_in,
    partial_out,
    read_partial,
    write_partial
);
