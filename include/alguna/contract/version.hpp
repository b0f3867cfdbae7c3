#pragma once

namespace alguna::contract {

// The library's version, and the Alguna API version whose contract it encodes.
const char* library_version() noexcept;
inline constexpr const char* api_version = "2026-04-01";

}  // namespace alguna::contract
