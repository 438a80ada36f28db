//! The Server API (`/site/SRConsAPI`): response types for `http://convio.com/crm/v1.0`.

pub mod generated;
