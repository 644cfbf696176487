//! Business calendars: working-time arithmetic with holidays, make-up days and time zones.
