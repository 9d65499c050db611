//! `data/schedule/<symbol>_<strategy>_<exchange>/<symbol>.json`: the scheduled signal.

super::signal_rows::domain!(
    schedule,
    Schedule,
    ScheduleInstance,
    GuestScheduleInstance,
    read_schedule_data,
    write_schedule_data
);
