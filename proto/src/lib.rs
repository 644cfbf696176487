//! Protobuf schemas of the events Gridflow puts on the bus (built from proto/ without protoc).

pub mod events {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/gridflow.events.v1.rs"));
    }
}

pub use events::v1::CaseEvent;
pub use prost::Message;
