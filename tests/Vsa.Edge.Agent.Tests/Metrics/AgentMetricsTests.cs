using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Metrics;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Metrics;

/// <summary>The agent's Prometheus endpoint, scraped over HTTP after known activity through a real broker: the figures are what happened.</summary>
public sealed partial class AgentMetricsTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-metrics-");

    public void Dispose() => _data.Delete(recursive: true);

    [Fact]
    public async Task Scrape_AfterAlertsDelivered_CountersEqualWhatHappened()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Alerts("pole-41"));
        var port = InProcessBroker.FreePort();
        using var outbox = new SqliteAlertOutbox(_data.FullName, "pole-41", new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        var mqtt = MqttOptions.FromUri(broker.Uri);
        await using var publisher = new MqttPublisher(mqtt, "pole-41", outbox, TimeProvider.System, NullLogger<MqttPublisher>.Instance);
        var cameras = new PipelineStatsRegistry();
        cameras.Register(new PipelineStats("cam-1", TimeProvider.System));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Metrics:Prometheus"] = "true",
            ["Metrics:PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton<IAlertOutbox>(outbox);
        builder.Services.AddSingleton(publisher);
        builder.Services.AddSingleton(cameras);
        builder.AddAgentMetrics();
        using var host = builder.Build();
        await host.StartAsync();

        var alerts = Enumerable.Range(0, 7).Select(_ => TestAlerts.Start("pole-41")).ToList();
        outbox.Enqueue(alerts);
        await publisher.StartAsync(CancellationToken.None);
        await outbox.WaitAsync(c => c.Delivered == 7, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://localhost:{port}/metrics"));
        await publisher.StopAsync(CancellationToken.None);
        await host.StopAsync();

        Assert.Equal(7, Value(text, "vsa_agent_outbox_stored_total"));
        Assert.Equal(7, Value(text, "vsa_agent_outbox_delivered_total"));
        Assert.Equal(7, Value(text, "vsa_agent_alerts_published_total"));
        Assert.Equal(0, Value(text, "vsa_agent_outbox_depth"));
        Assert.Equal(0, Value(text, "vsa_agent_outbox_dropped_total", "reason=\"full\""));
        Assert.Equal(1, Value(text, "vsa_agent_mqtt_connections_total"));
        Assert.Equal(1, Value(text, "vsa_agent_mqtt_connected"));
        Assert.Equal(0, Value(text, "vsa_agent_camera_frames_total", "camera=\"cam-1\""));
        Assert.True(Value(text, "vsa_agent_uptime_seconds") > 0);
        Assert.Equal(0, Value(text, "vsa_agent_outbox_size_bytes"));
        Assert.True(Value(text, "vsa_agent_process_memory_bytes") > 0);
        Assert.Equal(7, subscriber.Received.Count);
    }

    [Fact]
    public void Validate_ScrapeOnANetworkAddressWithoutConsent_Refused()
    {
        var validator = new AgentMetricsOptionsValidator();

        var remote = validator.Validate(null, new AgentMetricsOptions { Prometheus = true, PrometheusHost = "0.0.0.0" });
        var allowed = validator.Validate(null, new AgentMetricsOptions { Prometheus = true, PrometheusHost = "0.0.0.0", AllowRemoteScrape = true });
        var loopback = validator.Validate(null, new AgentMetricsOptions { Prometheus = true, PrometheusHost = "127.0.0.1" });

        Assert.Contains("AllowRemoteScrape", remote.FailureMessage, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded);
        Assert.True(loopback.Succeeded);
    }

    // The sample of a metric (with a label, when given) in the Prometheus text format.
    private static double Value(string text, string name, string? label = null)
    {
        foreach (Match match in SampleLine().Matches(text))
        {
            if (match.Groups["name"].Value == name && (label is null || match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no sample of {name} {label} in:\n{text}");
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(?<labels>\{[^}]*\})? (?<value>[-0-9.e+]+)", RegexOptions.Multiline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SampleLine();
}
