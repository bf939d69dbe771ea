//! The one codec: postcard for the records there are millions of (contacts, job rows, undo
//! images), JSON for the few that carry nested plans (jobs, lists, mappings).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Result, StoreError};

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn encode_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}
