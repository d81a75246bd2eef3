using System.Buffers;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Config;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Desired configuration in (subscription to <see cref="Topics.ConfigDesired"/>), reported configuration out.</summary>
public sealed partial class MqttPublisher : IConfigReportSink
{
    private ReportedConfigMessage? _report;
    private TaskCompletionSource _reportChanged = NewSignal();
    private Task? _reportLoop;

    /// <summary>
    /// Where received desired configurations go; when set, the publisher subscribes (QoS 1) to the device's own
    /// <see cref="Topics.ConfigDesired"/> at every connection (the broker then sends the retained copy). Null: no subscription.
    /// </summary>
    public DesiredConfigInbox? DesiredConfigs { get; init; }

    /// <inheritdoc />
    public void Report(ReportedConfigMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _report, report);
        Interlocked.Exchange(ref _reportChanged, NewSignal()).TrySetResult();
    }

    private Task SubscribeDesiredAsync(CancellationToken ct) =>
        DesiredConfigs is null
            ? Task.CompletedTask
            : _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(_deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    private Task OnApplicationMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (TryRouteSuspension(e) || TryRouteCertificate(e))
        {
            return Task.CompletedTask;
        }

        if (DesiredConfigs is { } inbox && e.ApplicationMessage.Topic == Topics.ConfigDesired(_deviceId))
        {
            inbox.Writer.TryWrite(e.ApplicationMessage.Payload.ToArray());
        }

        return Task.CompletedTask;
    }

    // Publishes the latest report while connected; a new connection sends it again (a broker restarted without
    // persistence has lost the retained copy), a failed publication waits for the next connection.
    private async Task ReportLoopAsync(CancellationToken ct)
    {
        ReportedConfigMessage? sent = null;
        var sentOnConnection = -1;
        while (!ct.IsCancellationRequested)
        {
            var changed = Volatile.Read(ref _reportChanged);
            await _connected.Task.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = _disconnected;
            var report = Volatile.Read(ref _report);
            var connection = Connections;
            if (report is not null && (!ReferenceEquals(report, sent) || connection != sentOnConnection))
            {
                try
                {
                    await _client.PublishAsync(ReportMessage(report), ct).ConfigureAwait(false);
                    (sent, sentOnConnection) = (report, connection);
                }
                catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(_logger, Topics.ConfigReported(_deviceId), ex.Message);
                    await disconnected.Task.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
            }

            await Task.WhenAny(changed.Task, disconnected.Task).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage ReportMessage(ReportedConfigMessage report) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigReported(_deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ReportedConfigMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .WithContentType("application/json")
            .Build();
}
