using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Installation reports a self-test kept on the pole while the uplink was down, sent at every connection.</summary>
internal sealed partial class InstallationChannel(MqttSession session) : IMqttChannel
{
    /// <summary>Where the self-test keeps the reports it could not deliver; null sends none.</summary>
    public PendingInstallationReports? Pending { get; set; }

    // Each report is forgotten once the broker has it (PUBACK): the fleet stores a report once by its id, so one sent twice
    // after a lost PUBACK is harmless. A failure leaves the rest for the next connection and never fails this one.
    public async Task OnConnectingAsync(CancellationToken ct)
    {
        if (Pending is not { } pending)
        {
            return;
        }

        var logger = session.Logger;
        try
        {
            foreach (var report in pending.List().Where(r => r.DeviceId == session.DeviceId))
            {
                var result = await session.Client.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.InstallationReport(session.DeviceId))
                    .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.InstallationReportMessage))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .Build(), ct).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    LogInstallationReportRefused(logger, report.ReportId, result.ReasonCode.ToString());
                    continue;
                }

                pending.Remove(report.ReportId);
                LogInstallationReportSent(logger, report.ReportId, report.At);
            }
        }
        catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) || ex is UnauthorizedAccessException)
        {
            LogInstallationReportRefused(logger, pending.Directory, ex.Message);
        }
    }

    public bool TryRoute(MqttApplicationMessage message) => false;

    [LoggerMessage(EventId = 12010, Level = LogLevel.Information, Message = "Installation report {ReportId} of the self-test at {TestedAt:O}, kept while the uplink was down, sent to the fleet")]
    private static partial void LogInstallationReportSent(ILogger logger, string reportId, DateTimeOffset testedAt);

    [LoggerMessage(EventId = 12011, Level = LogLevel.Warning, Message = "Installation report {ReportId} not sent ({Reason}); tried again at the next connection")]
    private static partial void LogInstallationReportRefused(ILogger logger, string reportId, string reason);
}
