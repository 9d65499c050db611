//! `data/notification/<backtest|live>/<id>.json`: notifications. Never deletes.

super::collection::by_mode_domain!(
    notification,
    Notification,
    Notification,
    NotificationInstance,
    GuestNotificationInstance,
    read_notification_data,
    write_notification_data
);
