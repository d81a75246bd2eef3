using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>
/// A fleet-like subscriber: MQTT 5 persistent session (clean start off, session expiry), QoS 1, so the broker queues
/// what arrives while it is away. Counts alerts by message id, the way the fleet deduplicates.
/// </summary>
internal sealed class PersistentSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string _filter;
    private readonly ConcurrentDictionary<string, int> _byMessageId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AlertMessage> _alerts = new();
    private readonly ConcurrentDictionary<string, byte[]> _payloads = new(StringComparer.Ordinal);
    private readonly List<(Func<PersistentSubscriber, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _gate = new();

    public PersistentSubscriber(string host, int port, string filter)
    {
        _filter = filter;
        _options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("fleet-like-" + Guid.NewGuid().ToString("N"))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var payload = e.ApplicationMessage.Payload.ToArray();
            var alert = JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.AlertMessage)!;
            _payloads.TryAdd(alert.MessageId, payload);
            lock (_gate)
            {
                if (_byMessageId.AddOrUpdate(alert.MessageId, 1, (_, n) => n + 1) == 1)
                {
                    _alerts.Enqueue(alert);
                }

                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Condition(this))
                    {
                        _waiters[i].Done.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>Distinct alerts, in arrival order.</summary>
    public IReadOnlyList<AlertMessage> Alerts => [.. _alerts];

    /// <summary>Deliveries per message id (QoS 1 may deliver twice; the fleet keeps one).</summary>
    public IReadOnlyDictionary<string, int> Deliveries => _byMessageId;

    /// <summary>The bytes received first for each message id.</summary>
    public IReadOnlyDictionary<string, byte[]> Payloads => _payloads;

    /// <summary>Whether the broker still had this subscriber's session at the last connection.</summary>
    public bool SessionPresent { get; private set; }

    public async Task ConnectAsync()
    {
        var result = await _client.ConnectAsync(_options);
        SessionPresent = result.IsSessionPresent;
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    public Task WaitUntilAsync(Func<PersistentSubscriber, bool> condition, TimeSpan guard)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, done));
        }

        return done.Task.WaitAsync(guard);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        _client.Dispose();
    }
}
