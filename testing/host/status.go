package host

import (
	"errors"
	"strconv"
	"strings"
)

// Status is proxy_status_t (proxy-wasm spec, ABI 0.2.1; cpp-host include/proxy-wasm/wasm_api_impl.h
// WasmResult). The numbering is the ABI's, not ours.
type Status uint32

const (
	StatusOK                  Status = 0
	StatusNotFound            Status = 1
	StatusBadArgument         Status = 2
	StatusSerializationFailed Status = 3
	StatusParseFailure        Status = 4
	StatusBadExpression       Status = 5
	StatusInvalidMemoryAccess Status = 6
	StatusEmpty               Status = 7
	StatusCasMismatch         Status = 8
	StatusResultMismatch      Status = 9
	StatusInternalFailure     Status = 10
	StatusBrokenConnection    Status = 11
	StatusUnimplemented       Status = 12
)

// errno is what the WASI functions return (wasi_snapshot_preview1 errno); only the values
// proxy-wasm-cpp-host returns are named.
type errno uint16

const (
	errnoSuccess errno = 0
	errnoBadf    errno = 8
	errnoFault   errno = 21
	errnoInval   errno = 28
	errnoNoent   errno = 44
	errnoNosys   errno = 52
	errnoNotsup  errno = 58
)

// MapType is proxy_map_type_t.
type MapType uint32

const (
	MapRequestHeaders       MapType = 0
	MapRequestTrailers      MapType = 1
	MapResponseHeaders      MapType = 2
	MapResponseTrailers     MapType = 3
	MapGrpcInitialMetadata  MapType = 4
	MapGrpcTrailingMetadata MapType = 5
	MapHTTPCallHeaders      MapType = 6
	MapHTTPCallTrailers     MapType = 7
	mapTypeMax              MapType = 7
)

// BufferType is proxy_buffer_type_t.
type BufferType uint32

const (
	BufferRequestBody         BufferType = 0
	BufferResponseBody        BufferType = 1
	BufferDownstreamData      BufferType = 2
	BufferUpstreamData        BufferType = 3
	BufferHTTPCallBody        BufferType = 4
	BufferGrpcReceive         BufferType = 5
	BufferVMConfiguration     BufferType = 6
	BufferPluginConfiguration BufferType = 7
	BufferCallData            BufferType = 8
	bufferTypeMax             BufferType = 8
)

// StreamType is proxy_stream_type_t.
type StreamType uint32

const (
	StreamRequest    StreamType = 0
	StreamResponse   StreamType = 1
	StreamDownstream StreamType = 2
	StreamUpstream   StreamType = 3
	streamTypeMax    StreamType = 3
)

// LogLevel is proxy_log_level_t.
type LogLevel uint32

const (
	LogTrace    LogLevel = 0
	LogDebug    LogLevel = 1
	LogInfo     LogLevel = 2
	LogWarn     LogLevel = 3
	LogError    LogLevel = 4
	LogCritical LogLevel = 5
	logLevelMax LogLevel = 5
)

var logLevelNames = [...]string{"trace", "debug", "info", "warn", "error", "critical"}

// ParseLogLevel reads a level name (trace, debug, info, warn, error, critical), as Envoy's
// --log-level spells them.
func ParseLogLevel(name string) (LogLevel, error) {
	for i, n := range logLevelNames {
		if n == name {
			return LogLevel(i), nil
		}
	}
	return 0, errors.New("log level " + strconv.Quote(name) + ": want one of " + strings.Join(logLevelNames[:], ", "))
}

func (l LogLevel) String() string {
	if l <= logLevelMax {
		return logLevelNames[l]
	}
	return "level(" + strconv.FormatUint(uint64(l), 10) + ")"
}

// MetricType is proxy_metric_type_t.
type MetricType uint32

const (
	MetricCounter   MetricType = 0
	MetricGauge     MetricType = 1
	MetricHistogram MetricType = 2
	metricTypeMax   MetricType = 2
)

// Action is proxy_action_t, a callback's answer.
type Action uint32

const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)
