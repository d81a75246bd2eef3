using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;

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

/// <summary>What storing one message did, to be announced (counted, logged, broadcast) once its transaction has committed.</summary>
/// <param name="Topic">The MQTT topic.</param>
/// <param name="Outcome">The outcome.</param>
/// <param name="Kind">The message kind, null when the topic was not recognised.</param>
/// <param name="Reason">Why it was refused, when <see cref="IngestionOutcome.Rejected"/>.</param>
/// <param name="Detail">A human-readable explanation of a refusal.</param>
/// <param name="Alert">The alert message, when it was an alert.</param>
/// <param name="AlertView">The alert after the change, when applied.</param>
/// <param name="Device">The device after the change, when a heartbeat or status changed it.</param>
/// <param name="ConfigReport">The configuration report, when one was recorded.</param>
/// <param name="Event">The device event, when it was one (applied to <see cref="DeviceConditionsState"/> when announced).</param>
/// <param name="Coalesced">A heartbeat that updated its device but was not kept in the history (<see cref="HeartbeatCoalescer"/>).</param>
public sealed record StoredMessage(
    string Topic,
    IngestionOutcome Outcome,
    MessageKind? Kind,
    RejectReason Reason = default,
    string? Detail = null,
    AlertMessage? Alert = null,
    AlertView? AlertView = null,
    DeviceView? Device = null,
    ReportedConfigMessage? ConfigReport = null,
    DeviceEvent? Event = null,
    bool Coalesced = false);

/// <summary>
/// From one MQTT message to the database and the live page: route by topic, decode and check, store inside the caller's
/// transaction (<see cref="StoreAsync"/>), then, after the commit, count, log and broadcast (<see cref="Announce"/>). Nothing
/// is announced that a rollback could take back. Independent of MQTTnet so that tests and other transports can drive it.
/// </summary>
public sealed partial class IngestionPipeline(
    FleetDatabase database,
    AlertStore alerts,
    DeviceStore devices,
    ConfigStore configs,
    LiveBroadcaster live,
    DeviceConditionsState conditions,
    DeadLetterStore deadLetters,
    RejectionLog rejections,
    IngestionStatistics statistics,
    IOptions<IngestionOptions> options,
    TimeProvider timeProvider,
    ILogger<IngestionPipeline> logger,
    Suspensions.SuspensionService? suspensions = null,
    Proposals.ProposalStore? proposals = null,
    ModelUpdates.ModelReportStore? modelReports = null)
{
    private readonly HeartbeatCoalescer _heartbeats = new(options.Value.MinHeartbeatInterval);
    private readonly AlertBatchStore _alertBatches = new(database, alerts);

    /// <summary>Stores one message in its own transaction and announces it. Storage failures propagate.</summary>
    public async Task<IngestionOutcome> HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        var bytes = payload.IsSingleSegment ? payload.First : payload.ToArray();
        var receivedAt = timeProvider.GetUtcNow();
        var stored = await database.InTransactionAsync((c, t) => StoreAsync(c, t, topic, bytes, receivedAt, cancellationToken), cancellationToken);
        Announce(stored);
        return stored.Outcome;
    }

    /// <summary>
    /// Decodes, checks and stores one message in the caller's transaction; a refused one is kept in the dead-letter table, in
    /// the same transaction. Storage failures propagate.
    /// </summary>
    public async Task<StoredMessage> StoreAsync(DbConnection connection, DbTransaction transaction, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var stored = await DecideAsync(connection, transaction, topic, payload, receivedAt, cancellationToken);
        if (stored.Outcome == IngestionOutcome.Rejected)
        {
            await deadLetters.AddAsync(connection, transaction, stored, payload, receivedAt, cancellationToken);
        }

        return stored;
    }

    /// <summary>
    /// Refuses a message whose processing threw (<see cref="RejectReason.ProcessingFailed"/>): kept in the dead-letter table in
    /// the caller's transaction, to be announced (counted, logged) and acknowledged like any refusal. Storage failures propagate.
    /// </summary>
    public async Task<StoredMessage> RefuseAsync(DbConnection connection, DbTransaction transaction, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, Exception fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fault);
        MessageKind? kind = TopicRoute.TryParse(topic, out var route) ? route.Kind : null;
        var refused = new StoredMessage(topic, IngestionOutcome.Rejected, kind, RejectReason.ProcessingFailed, $"{fault.GetType().Name}: {fault.Message}");
        await deadLetters.AddAsync(connection, transaction, refused, payload, receivedAt, cancellationToken);
        return refused;
    }

    private async Task<StoredMessage> DecideAsync(DbConnection connection, DbTransaction transaction, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        if (!TopicRoute.TryParse(topic, out var route))
        {
            return new(topic, IngestionOutcome.Rejected, null, RejectReason.UnknownTopic, "not vsa/v1/{deviceId}/alerts|health|status|events|config/reported|config/proposal|model/reported");
        }

        if (payload.Length > options.Value.MaxPayloadBytes)
        {
            return new(topic, IngestionOutcome.Rejected, route.Kind, RejectReason.PayloadTooLarge, $"{payload.Length} bytes, limit {options.Value.MaxPayloadBytes}");
        }

        var window = options.Value.WindowFor(route.Kind, receivedAt);
        switch (route.Kind)
        {
            case MessageKind.Alert:
                var alert = PayloadDecoder.DecodeAlert(payload.Span, route.DeviceId, window);
                if (alert.Message is not { } message)
                {
                    return new(topic, IngestionOutcome.Rejected, route.Kind, alert.Reason, alert.Detail);
                }

                var result = await alerts.ApplyAsync(connection, transaction, message, receivedAt, cancellationToken);
                await FlagIfSuspendedAsync(connection, transaction, message, result, cancellationToken);
                return AlertStored(topic, message, result);
            case MessageKind.Health:
                var health = PayloadDecoder.DecodeHealth(payload.Span, route.DeviceId, window);
                if (health.Message is not { } heartbeat)
                {
                    return new(topic, IngestionOutcome.Rejected, route.Kind, health.Reason, health.Detail);
                }

                // Too soon after the last one kept: updates the device (last seen, online) but is not added to the history.
                var keep = _heartbeats.ShouldKeep(heartbeat.DeviceId, receivedAt);
                return Device(topic, route.Kind, await devices.ApplyHeartbeatAsync(connection, transaction, heartbeat, receivedAt, keep, cancellationToken)) with { Coalesced = !keep };
            case MessageKind.ConfigReported:
                var report = PayloadDecoder.DecodeConfigReported(payload.Span, route.DeviceId, window);
                if (report.Message is not { } reported)
                {
                    return new(topic, IngestionOutcome.Rejected, route.Kind, report.Reason, report.Detail);
                }

                // Retained: every reconnection delivers the same report again, which is stale (not newer by its "at").
                return await configs.ApplyReportedAsync(connection, transaction, reported, receivedAt, cancellationToken)
                    ? Device(topic, route.Kind, await devices.FindAsync(connection, transaction, reported.DeviceId, cancellationToken)) with { Outcome = IngestionOutcome.Accepted, ConfigReport = reported }
                    : new(topic, IngestionOutcome.Stale, route.Kind);

            case MessageKind.ModelReported:
                var models = PayloadDecoder.DecodeModelReported(payload.Span, route.DeviceId, window);
                if (models.Message is not { } modelReport || modelReports is null)
                {
                    return new(topic, IngestionOutcome.Rejected, route.Kind, models.Message is null ? models.Reason : RejectReason.UnknownTopic, models.Detail ?? "model reports are not stored by this pipeline");
                }

                // Retained like the configuration report: a reconnection delivers the same one again, stale by its "at".
                return await modelReports.ApplyAsync(connection, transaction, modelReport, receivedAt, cancellationToken)
                    ? new(topic, IngestionOutcome.Accepted, route.Kind)
                    : new(topic, IngestionOutcome.Stale, route.Kind);

            case MessageKind.Event:
                // Nothing to store: the conditions change only once the batch has committed (Announce), like every state.
                var deviceEvent = PayloadDecoder.DecodeEvent(payload.Span, route.DeviceId, window);
                return deviceEvent.Message is { } eventMessage
                    ? new(topic, IngestionOutcome.Accepted, route.Kind, Event: eventMessage)
                    : new(topic, IngestionOutcome.Rejected, route.Kind, deviceEvent.Reason, deviceEvent.Detail);

            case MessageKind.ConfigProposal when proposals is not null:
                return await Proposals.ProposalIngestion.StoreAsync(proposals, connection, transaction, topic, route, payload, window, receivedAt, cancellationToken);

            default:
                var status = PayloadDecoder.DecodeStatus(payload.Span, route.DeviceId, window);
                return status.Message is { } statusMessage
                    ? Device(topic, route.Kind, await devices.ApplyStatusAsync(connection, transaction, statusMessage, receivedAt, cancellationToken))
                    : new(topic, IngestionOutcome.Rejected, route.Kind, status.Reason, status.Detail);
        }
    }

    /// <summary>Counts, logs and broadcasts a stored message; call it only after its transaction committed.</summary>
    public void Announce(StoredMessage stored)
    {
        switch (stored.Outcome)
        {
            case IngestionOutcome.Rejected:
                statistics.Rejected(stored.Kind, stored.Reason);
                rejections.Refused(stored);
                if (stored.Kind == MessageKind.ConfigProposal && proposals is not null && TopicRoute.TryParse(stored.Topic, out var refusedRoute))
                {
                    proposals.RefusalCommitted(refusedRoute.DeviceId);
                }

                return;
            case IngestionOutcome.Duplicate:
                statistics.Duplicate(stored.Kind!.Value);
                if (stored.Alert is { } duplicate)
                {
                    LogDuplicate(logger, duplicate.MessageId, duplicate.AlertId);
                }

                return;
            case IngestionOutcome.Stale:
                statistics.Stale(stored.Kind!.Value);
                return;
        }

        if (stored.Coalesced)
        {
            statistics.Coalesced(stored.Kind!.Value);
        }
        else
        {
            statistics.Accepted(stored.Kind!.Value);
        }

        if (stored.ConfigReport is { } report)
        {
            LogConfigReported(logger, report.DeviceId, report.AppliedVersion, report.Status, report.Errors.Count);
        }

        if (stored.AlertView is { } view && stored.Alert is { } m)
        {
            LogAlert(logger, m.AlertId, m.Sequence, m.State, m.EventType, m.DeviceId, m.CameraId);

            // Serialised only for someone: during a burst with no browser open this is most of the announcing cost. During a
            // global suspension, alerts that started under it are stored (flagged) but not forwarded to the console's queue.
            if (live.HasListeners && !Suspensions.SuspendedArrivals.Withheld(suspensions, view.StartedAt))
            {
                live.Publish(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView)));
            }
        }
        else if (stored.Device is { } device)
        {
            if (stored.Kind == MessageKind.Status)
            {
                LogStatus(logger, device.DeviceId, device.Status);
            }

            if (live.HasListeners)
            {
                live.Publish(new LiveEvent(LiveEventTypes.Device, JsonSerializer.Serialize(device, FleetJsonContext.Default.DeviceView)));
            }
        }
        else if (stored.Event is { } deviceEvent && conditions.Apply(deviceEvent) is { } changed)
        {
            LogDeviceEvent(logger, deviceEvent.DeviceId, deviceEvent.Kind, deviceEvent.CameraId);
            if (live.HasListeners)
            {
                live.Publish(new LiveEvent(LiveEventTypes.DeviceConditions, JsonSerializer.Serialize(changed, FleetJsonContext.Default.DeviceConditions)));
            }
        }
    }

    // An alert first stored during a global suspension is flagged so it stays out of the operators' live queue.
    private async Task FlagIfSuspendedAsync(DbConnection connection, DbTransaction transaction, AlertMessage message, AlertApplyResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome == AlertApplyOutcome.Applied && suspensions?.GlobalSuspension is { } global)
        {
            await Suspensions.SuspendedArrivals.FlagAsync(connection, transaction, message.AlertId, global.Id, cancellationToken);
        }
    }

    private static StoredMessage AlertStored(string topic, AlertMessage message, AlertApplyResult result) => result.Outcome switch
    {
        AlertApplyOutcome.Applied => new(topic, IngestionOutcome.Accepted, MessageKind.Alert, Alert: message, AlertView: result.Alert),
        AlertApplyOutcome.Duplicate => new(topic, IngestionOutcome.Duplicate, MessageKind.Alert, Alert: message),
        AlertApplyOutcome.Stale => new(topic, IngestionOutcome.Stale, MessageKind.Alert, Alert: message),
        AlertApplyOutcome.IdentityChanged => new(topic, IngestionOutcome.Rejected, MessageKind.Alert, RejectReason.AlertIdentityChanged,
            $"alert {message.AlertId} keeps its event type, camera, zone and start time; message {message.MessageId} (sequence {message.Sequence}) gives others: kept, not applied"),
        _ => new(topic, IngestionOutcome.Rejected, MessageKind.Alert, RejectReason.ForeignAlert, $"alert {message.AlertId} belongs to another device"),
    };

    private static StoredMessage Device(string topic, MessageKind kind, DeviceView? view) =>
        view is null ? new(topic, IngestionOutcome.Stale, kind) : new(topic, IngestionOutcome.Accepted, kind, Device: view);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Alert {AlertId} #{Sequence} {State} {EventType} from {DeviceId}/{CameraId}")]
    private static partial void LogAlert(ILogger logger, string alertId, int sequence, AlertState state, EventType eventType, string deviceId, string cameraId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Duplicate message {MessageId} of alert {AlertId} ignored")]
    private static partial void LogDuplicate(ILogger logger, string messageId, string alertId);

    [LoggerMessage(EventId = 12705, Level = LogLevel.Information, Message = "Device {DeviceId} is {Status}")]
    private static partial void LogStatus(ILogger logger, string deviceId, DeviceState status);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Device {DeviceId} reports configuration version {AppliedVersion}: {Status} ({Errors} errors)")]
    private static partial void LogConfigReported(ILogger logger, string deviceId, long? appliedVersion, ConfigApplyStatus status, int errors);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Device {DeviceId} reports {Kind} (camera {CameraId})")]
    private static partial void LogDeviceEvent(ILogger logger, string deviceId, DeviceEventKind kind, string? cameraId);
}
