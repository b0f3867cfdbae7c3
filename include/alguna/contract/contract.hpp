// Everything public, in one include.
#pragma once

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/error.hpp>
#include <alguna/contract/formats.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/mock.hpp>
#include <alguna/contract/recording.hpp>
#include <alguna/contract/recording_proxy.hpp>
#include <alguna/contract/replay.hpp>
#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>
#include <alguna/contract/version.hpp>
