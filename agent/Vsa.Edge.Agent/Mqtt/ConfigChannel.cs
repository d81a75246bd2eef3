using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// The configuration channel: desired configurations in (subscription, QoS 1, to the device's own
/// <see cref="Topics.ConfigDesired"/> at every connection; the broker then sends the retained copy), handed to the
/// reconcile loop's inbox; the reported configuration out (retained, QoS 1): the latest wins, sent again after every
/// reconnection (a broker restarted without persistence has lost the retained copy).
/// </summary>
internal sealed class ConfigChannel(MqttSession session) : IMqttChannel, IConfigReportSink
{
    private ReportedConfigMessage? _report;
    private TaskCompletionSource _reportChanged = MqttSession.NewSignal();

    /// <summary>Where received desired configurations go; null: no subscription.</summary>
    public DesiredConfigInbox? Inbox { get; set; }

    /// <inheritdoc />
    public void Report(ReportedConfigMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _report, report);
        Interlocked.Exchange(ref _reportChanged, MqttSession.NewSignal()).TrySetResult();
    }

    public Task OnConnectingAsync(CancellationToken ct) =>
        Inbox is null
            ? Task.CompletedTask
            : session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(session.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    public bool TryRoute(MqttApplicationMessage message)
    {
        if (Inbox is { } inbox && message.Topic == Topics.ConfigDesired(session.DeviceId))
        {
            inbox.Writer.TryWrite(message.Payload.ToArray());
            return true;
        }

        return false;
    }

    // Publishes the latest report while connected; a new connection sends it again, a failed publication waits for the
    // next connection.
    public async Task ReportLoopAsync(CancellationToken ct)
    {
        ReportedConfigMessage? sent = null;
        var sentOnConnection = -1;
        while (!ct.IsCancellationRequested)
        {
            var changed = Volatile.Read(ref _reportChanged);
            await session.Connected.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = session.Disconnected;
            var report = Volatile.Read(ref _report);
            var connection = session.Connections;
            if (report is not null && (!ReferenceEquals(report, sent) || connection != sentOnConnection))
            {
                try
                {
                    await session.Client.PublishAsync(ReportMessage(report), ct).ConfigureAwait(false);
                    (sent, sentOnConnection) = (report, connection);
                }
                catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(session.Logger, Topics.ConfigReported(session.DeviceId), ex.Message);
                    await disconnected.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
            }

            await Task.WhenAny(changed.Task, disconnected).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage ReportMessage(ReportedConfigMessage report) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigReported(session.DeviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ReportedConfigMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .WithContentType("application/json")
            .Build();
}
