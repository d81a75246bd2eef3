using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>The model report out (retained, QoS 1, on <see cref="Topics.ModelReported"/>): the latest wins, sent again after every reconnection.</summary>
internal sealed class ModelReportChannel(MqttSession session) : IModelReportSink
{
    private ModelReportedMessage? _modelReport;
    private TaskCompletionSource _modelReportChanged = MqttSession.NewSignal();

    /// <inheritdoc />
    public void Report(ModelReportedMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _modelReport, report);
        Interlocked.Exchange(ref _modelReportChanged, MqttSession.NewSignal()).TrySetResult();
    }

    public async Task ReportLoopAsync(CancellationToken ct)
    {
        ModelReportedMessage? sent = null;
        var sentOnConnection = -1;
        while (!ct.IsCancellationRequested)
        {
            var changed = Volatile.Read(ref _modelReportChanged);
            await session.Connected.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = session.Disconnected;
            var report = Volatile.Read(ref _modelReport);
            var connection = session.Connections;
            if (report is not null && (!ReferenceEquals(report, sent) || connection != sentOnConnection))
            {
                try
                {
                    await session.Client.PublishAsync(
                        new MqttApplicationMessageBuilder()
                            .WithTopic(Topics.ModelReported(session.DeviceId))
                            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.ModelReportedMessage))
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithRetainFlag(true)
                            .WithContentType("application/json")
                            .Build(),
                        ct).ConfigureAwait(false);
                    (sent, sentOnConnection) = (report, connection);
                }
                catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(session.Logger, Topics.ModelReported(session.DeviceId), ex.Message);
                    await disconnected.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
            }

            await Task.WhenAny(changed.Task, disconnected).WaitAsync(ct).ConfigureAwait(false);
        }
    }
}
