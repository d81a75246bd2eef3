using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MQTTnet;
using MQTTnet.Protocol;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// A report the device keeps retained on one topic (QoS 1): the latest wins, published while connected and sent again after
/// every reconnection (a broker restarted without persistence has lost the retained copy); a failed publication waits for
/// the next connection. Shared by the configuration and model reports.
/// </summary>
/// <typeparam name="TReport">The report message.</typeparam>
internal abstract class RetainedReportChannel<TReport>
    where TReport : class
{
    private readonly string _topic;
    private readonly JsonTypeInfo<TReport> _typeInfo;
    private TReport? _report;
    private TaskCompletionSource _reportChanged = MqttSession.NewSignal();

    /// <summary>A channel publishing on <paramref name="topic"/>, serialised with <paramref name="typeInfo"/>.</summary>
    protected RetainedReportChannel(MqttSession session, string topic, JsonTypeInfo<TReport> typeInfo)
    {
        Session = session;
        _topic = topic;
        _typeInfo = typeInfo;
    }

    /// <summary>The connection the report goes out on.</summary>
    protected MqttSession Session { get; }

    /// <summary>Replaces the report to publish (the latest wins).</summary>
    public void Report(TReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        Volatile.Write(ref _report, report);
        Interlocked.Exchange(ref _reportChanged, MqttSession.NewSignal()).TrySetResult();
    }

    /// <summary>Publishes the latest report while connected, once per report and connection, until <paramref name="ct"/> is cancelled.</summary>
    public async Task ReportLoopAsync(CancellationToken ct)
    {
        TReport? sent = null;
        var sentOnConnection = -1;
        while (!ct.IsCancellationRequested)
        {
            var changed = Volatile.Read(ref _reportChanged);
            await Session.Connected.WaitAsync(ct).ConfigureAwait(false);
            var disconnected = Session.Disconnected;
            var report = Volatile.Read(ref _report);
            var connection = Session.Connections;
            if (report is not null && (!ReferenceEquals(report, sent) || connection != sentOnConnection))
            {
                try
                {
                    await Session.Client.PublishAsync(Message(report), ct).ConfigureAwait(false);
                    (sent, sentOnConnection) = (report, connection);
                }
                catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !ct.IsCancellationRequested)
                {
                    MqttLog.PublishFailed(Session.Logger, _topic, ex.Message);
                    await disconnected.WaitAsync(ct).ConfigureAwait(false);
                    continue;
                }
            }

            await Task.WhenAny(changed.Task, disconnected).WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private MqttApplicationMessage Message(TReport report) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(_topic)
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(report, _typeInfo))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .WithContentType("application/json")
            .Build();
}
