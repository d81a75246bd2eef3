using System.Buffers;
using System.Text.Json;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>What happened to one incoming message.</summary>
public enum IngestionOutcome
{
    /// <summary>Stored and broadcast.</summary>
    Accepted,

    /// <summary>Already stored (same message id); ignored.</summary>
    Duplicate,

    /// <summary>Older than what is held; recorded where a log exists, no state change.</summary>
    Stale,

    /// <summary>Refused; see the log and the counters for the reason.</summary>
    Rejected,
}

/// <summary>
/// From one MQTT message to the database and the live page: route by topic, decode and check, store, broadcast, count.
/// Independent of MQTTnet so that tests and other transports can drive it with plain bytes.
/// </summary>
public sealed partial class IngestionPipeline(
    AlertStore alerts,
    DeviceStore devices,
    LiveBroadcaster live,
    IngestionStatistics statistics,
    IOptions<IngestionOptions> options,
    TimeProvider timeProvider,
    ILogger<IngestionPipeline> logger)
{
    /// <summary>Handles one message. Storage failures propagate (the caller must not acknowledge the message).</summary>
    public async Task<IngestionOutcome> HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (!TopicRoute.TryParse(topic, out var route))
        {
            return Reject(topic, null, RejectReason.UnknownTopic, "not vsa/v1/{deviceId}/alerts|health|status");
        }

        if (payload.Length > options.Value.MaxPayloadBytes)
        {
            return Reject(topic, route.Kind, RejectReason.PayloadTooLarge, $"{payload.Length} bytes, limit {options.Value.MaxPayloadBytes}");
        }

        var bytes = payload.IsSingleSegment ? payload.First : payload.ToArray();
        var receivedAt = timeProvider.GetUtcNow();
        return route.Kind switch
        {
            MessageKind.Alert => await HandleAlertAsync(topic, route, bytes, receivedAt, cancellationToken),
            MessageKind.Health => await HandleHealthAsync(topic, route, bytes, receivedAt, cancellationToken),
            _ => await HandleStatusAsync(topic, route, bytes, receivedAt, cancellationToken),
        };
    }

    private async Task<IngestionOutcome> HandleAlertAsync(string topic, TopicRoute route, ReadOnlyMemory<byte> bytes, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var decoded = PayloadDecoder.DecodeAlert(bytes.Span, route.DeviceId);
        if (decoded.Message is not { } message)
        {
            return Reject(topic, route.Kind, decoded.Reason, decoded.Detail);
        }

        var result = await alerts.ApplyAsync(message, receivedAt, cancellationToken);
        switch (result.Outcome)
        {
            case AlertApplyOutcome.Applied:
                statistics.Accepted(MessageKind.Alert);
                LogAlert(logger, message.AlertId, message.Sequence, message.State, message.EventType, message.DeviceId, message.CameraId);
                live.Publish(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(result.Alert!, FleetJsonContext.Default.AlertView)));
                return IngestionOutcome.Accepted;
            case AlertApplyOutcome.Duplicate:
                statistics.Duplicate(MessageKind.Alert);
                LogDuplicate(logger, message.MessageId, message.AlertId);
                return IngestionOutcome.Duplicate;
            case AlertApplyOutcome.Stale:
                statistics.Stale(MessageKind.Alert);
                return IngestionOutcome.Stale;
            default:
                return Reject(topic, route.Kind, RejectReason.ForeignAlert, $"alert {message.AlertId} belongs to another device");
        }
    }

    private async Task<IngestionOutcome> HandleHealthAsync(string topic, TopicRoute route, ReadOnlyMemory<byte> bytes, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var decoded = PayloadDecoder.DecodeHealth(bytes.Span, route.DeviceId);
        if (decoded.Message is not { } message)
        {
            return Reject(topic, route.Kind, decoded.Reason, decoded.Detail);
        }

        return Device(MessageKind.Health, await devices.ApplyHeartbeatAsync(message, receivedAt, cancellationToken));
    }

    private async Task<IngestionOutcome> HandleStatusAsync(string topic, TopicRoute route, ReadOnlyMemory<byte> bytes, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var decoded = PayloadDecoder.DecodeStatus(bytes.Span, route.DeviceId);
        if (decoded.Message is not { } message)
        {
            return Reject(topic, route.Kind, decoded.Reason, decoded.Detail);
        }

        var view = await devices.ApplyStatusAsync(message, receivedAt, cancellationToken);
        if (view is not null)
        {
            LogStatus(logger, message.DeviceId, view.Status);
        }

        return Device(MessageKind.Status, view);
    }

    private IngestionOutcome Device(MessageKind kind, DeviceView? view)
    {
        if (view is null)
        {
            statistics.Stale(kind);
            return IngestionOutcome.Stale;
        }

        statistics.Accepted(kind);
        live.Publish(new LiveEvent(LiveEventTypes.Device, JsonSerializer.Serialize(view, FleetJsonContext.Default.DeviceView)));
        return IngestionOutcome.Accepted;
    }

    private IngestionOutcome Reject(string topic, MessageKind? kind, RejectReason reason, string? detail)
    {
        statistics.Rejected(kind, reason);
        LogRejected(logger, topic, RejectReasons.Name(reason), detail ?? string.Empty);
        return IngestionOutcome.Rejected;
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Alert {AlertId} #{Sequence} {State} {EventType} from {DeviceId}/{CameraId}")]
    private static partial void LogAlert(ILogger logger, string alertId, int sequence, Contracts.AlertState state, Contracts.EventType eventType, string deviceId, string cameraId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Duplicate message {MessageId} of alert {AlertId} ignored")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string alertId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Device {DeviceId} is {Status}")]
    private static partial void LogStatus(ILogger logger, string deviceId, Contracts.DeviceState status);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Rejected message on {Topic}: {Reason}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string topic, string reason, string detail);
}
