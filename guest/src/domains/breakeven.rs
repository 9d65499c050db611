//! `data/breakeven/<symbol>_<strategy>_<exchange>/<signal-id>.json`: whether each signal
//! reached breakeven.

super::levels::domain!(
    breakeven,
    Breakeven,
    BreakevenInstance,
    GuestBreakevenInstance,
    BreakevenLevel,
    read_breakeven_data,
    write_breakeven_data,
    breakeven_in,
    breakeven_out,
    read_breakeven,
    write_breakeven
);
