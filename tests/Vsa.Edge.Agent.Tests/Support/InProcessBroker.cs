using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>A real MQTTnet broker on a free loopback port, for the lifetime of one test.</summary>
internal sealed class InProcessBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private InProcessBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string Uri => $"mqtt://127.0.0.1:{Port}";

    public static async Task<InProcessBroker> StartAsync(int? port = null)
    {
        var chosen = port ?? FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(chosen)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        return new InProcessBroker(server, chosen);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }
}

/// <summary>A subscriber that records every message it receives and lets a test wait for one that matches.</summary>
internal sealed class RecordingSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<ReceivedMessage> _received = new();
    private readonly List<(Func<ReceivedMessage, bool> Match, TaskCompletionSource<ReceivedMessage> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<ReceivedMessage> Received => _received;

    public static async Task<RecordingSubscriber> ConnectAsync(int port, params string[] topics)
    {
        var subscriber = new RecordingSubscriber();
        subscriber._client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            subscriber.Add(new ReceivedMessage(m.Topic, Encoding.UTF8.GetString(m.Payload), m.QualityOfServiceLevel, m.Retain));
            return Task.CompletedTask;
        };
        await subscriber._client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-subscriber-" + Guid.NewGuid().ToString("N"))
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build());
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await subscriber._client.SubscribeAsync(subscribe.Build());
        return subscriber;
    }

    public Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, TimeSpan? guard = null)
    {
        var tcs = new TaskCompletionSource<ReceivedMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = _received.FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            _waiters.Add((match, tcs));
        }

        return tcs.Task.WaitAsync(guard ?? TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker went first (a test that stops it, or swaps a client's certificate): nothing left to close.
            }
        }

        _client.Dispose();
    }

    private void Add(ReceivedMessage message)
    {
        lock (_gate)
        {
            _received.Enqueue(message);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(message))
                {
                    _waiters[i].Done.TrySetResult(message);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}

internal sealed record ReceivedMessage(string Topic, string Payload, MqttQualityOfServiceLevel Qos, bool Retain);
