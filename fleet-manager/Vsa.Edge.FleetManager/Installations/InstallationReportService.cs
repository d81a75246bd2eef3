using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Installations;

/// <summary>
/// Receives installation reports: a device publishes one on its own <see cref="Topics.InstallationReport"/> (the broker lets no
/// one else publish there); this service, on its own client (<c>{ClientId}-installation</c>, in the instances' shared group when
/// there is one), checks it (<see cref="InstallationReportRules"/>), stores it once (<see cref="InstallationReportStore"/>) and
/// answers on <see cref="Topics.InstallationAcknowledged"/>, signed with the desired-state key, whether stored or refused and
/// why. Reports never go through the alert ingestion: they appear on the device board, never in the operators' queue.
/// </summary>
public sealed partial class InstallationReportService(
    InstallationReportStore store,
    DesiredStateSigningKey signing,
    FleetCertificateAuthority authority,
    IOptions<BrokerOptions> brokerOptions,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>Suffix of this service's MQTT client id.</summary>
    public const string ClientIdSuffix = "-installation";

    private readonly ILogger _logger = loggerFactory.CreateLogger<InstallationReportService>();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the service listens for reports.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => FleetSubscriberLoop.RunAsync(
        brokerOptions.Value, authority, ClientIdSuffix, Topics.AllInstallationReports, (client, e) => HandleAsync(client, e, stoppingToken),
        (reason, delay) => LogInterrupted(_logger, reason, delay), _subscribed, loggerFactory, timeProvider, stoppingToken);

    private async Task HandleAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e, CancellationToken ct)
    {
        var topic = e.ApplicationMessage.Topic;
        var deviceId = Topics.DeviceIdOf(topic);
        if (deviceId is null || !DeviceIds.IsValid(deviceId) || topic != Topics.InstallationReport(deviceId))
        {
            return;
        }

        var payload = e.ApplicationMessage.Payload;
        string? refusal = $"payload of {payload.Length} bytes exceeds {InstallationReportRules.MaxPayloadBytes}";
        var report = payload.Length > InstallationReportRules.MaxPayloadBytes
            ? null
            : InstallationReportRules.Check(deviceId, System.Buffers.BuffersExtensions.ToArray(payload), out refusal);
        var reportId = report?.ReportId ?? ReportIdOf(payload) ?? string.Empty;
        try
        {
            if (report is null)
            {
                LogRefused(_logger, deviceId, refusal!);
            }
            else if (await store.SaveAsync(report, ct))
            {
                LogStored(_logger, deviceId, report.ReportId, report.Kind, report.Installer, report.Passed);
            }

            var answer = new InstallationAcknowledgedMessage(InstallationAcknowledgedMessage.SchemaId, InstallationAcknowledgedMessage.CurrentVersion, deviceId, reportId, refusal, timeProvider.GetUtcNow());
            var envelope = signing.Signer.SignToJson(InstallationAcknowledgedMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(answer, ContractsJsonContext.Default.InstallationAcknowledgedMessage));
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.InstallationAcknowledged(deviceId))
                .WithPayload(envelope)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build(), ct);
        }
        catch (Exception ex) when (ex is DbException or MqttCommunicationException or TimeoutException)
        {
            // Not acknowledged: the device keeps the report and sends it again.
            LogFailed(_logger, deviceId, ex.Message);
        }
    }

    // The id to repeat in a refusal, when the payload is at least an object with a short reportId string.
    private static string? ReportIdOf(System.Buffers.ReadOnlySequence<byte> payload)
    {
        if (payload.Length > InstallationReportRules.MaxPayloadBytes)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("reportId", out var id)
                && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= InstallationReportRules.MaxIdLength } text ? text : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 12000, Level = LogLevel.Information, Message = "Device {DeviceId} installation report {ReportId} ({Kind}) by {Installer}: passed {Passed}")]
    private static partial void LogStored(ILogger logger, string deviceId, string reportId, InstallationReportKind kind, string installer, bool passed);

    [LoggerMessage(EventId = 12001, Level = LogLevel.Warning, Message = "Installation report of {DeviceId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 12002, Level = LogLevel.Warning, Message = "Installation report of {DeviceId} not acknowledged: {Error}")]
    private static partial void LogFailed(ILogger logger, string deviceId, string error);

    [LoggerMessage(EventId = 12003, Level = LogLevel.Warning, Message = "Installation report client lost the broker ({Reason}); retrying in {Delay}")]
    private static partial void LogInterrupted(ILogger logger, string reason, TimeSpan delay);
}
