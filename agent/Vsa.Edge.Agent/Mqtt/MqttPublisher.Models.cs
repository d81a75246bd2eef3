using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>The model report out (retained, QoS 1, on <see cref="Topics.ModelReported"/>): the latest wins, sent again after every reconnection.</summary>
public sealed partial class MqttPublisher : IModelReportSink
{
    private ModelReportedMessage? _modelReport;
    private TaskCompletionSource _modelReportChanged = NewSignal();
    private Task? _modelReportLoop;

    /// <inheritdoc />
    void IModelReportSink.Report(ModelReportedMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _modelReport, report);
        Interlocked.Exchange(ref _modelReportChanged, NewSignal()).TrySetResult();
    }

    private async Task ModelReportLoopAsync(CancellationToken ct)
    {
        ModelReportedMessage? sent = null;
        var sentOnConnection = -1;
        while (!ct.IsCancellationRequested)
        {
            var changed = Volatile.Read(ref _modelReportChanged);
            await _connected.Task.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = _disconnected;
            var report = Volatile.Read(ref _modelReport);
            var connection = Connections;
            if (report is not null && (!ReferenceEquals(report, sent) || connection != sentOnConnection))
            {
                try
                {
                    await _client.PublishAsync(
                        new MqttApplicationMessageBuilder()
                            .WithTopic(Topics.ModelReported(_deviceId))
                            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ModelReportedMessage))
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithRetainFlag(true)
                            .WithContentType("application/json")
                            .Build(),
                        ct).ConfigureAwait(false);
                    (sent, sentOnConnection) = (report, connection);
                }
                catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(_logger, Topics.ModelReported(_deviceId), ex.Message);
                    await disconnected.Task.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
            }

            await Task.WhenAny(changed.Task, disconnected.Task).WaitAsync(ct).ConfigureAwait(false);
        }
    }
}
