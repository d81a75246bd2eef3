using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Gpio;

public sealed class GpioHostingTests
{
    [Fact]
    public void AddGpio_AfterThePublisher_WrapsItSoMaintenanceSuppressesAlerts()
    {
        var sent = new List<AlertMessage>();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration["Agent:DeviceId"] = "pole-12";
        builder.Configuration["Gpio:LedPin"] = "6";
        builder.Services.AddSingleton<IAlertSink>(new ListPublisher(sent));

        builder.AddGpio();
        using var host = builder.Build();
        var publisher = host.Services.GetRequiredService<IAlertSink>();
        var maintenance = host.Services.GetRequiredService<MaintenanceMode>();
        publisher.Enqueue(Alert("a1"));
        maintenance.Set(true, "test");
        publisher.Enqueue(Alert("a2"));

        Assert.Equal(["a1"], sent.Select(a => a.AlertId));
        Assert.Equal(1, maintenance.SuppressedAlerts);
        Assert.Equal(6, host.Services.GetRequiredService<IOptions<GpioOptions>>().Value.LedPin);
    }

    [Fact]
    public void AddGpio_DuplicatePins_FailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration["Gpio:LedPin"] = "6";
        builder.Configuration["Gpio:TamperPin"] = "6";
        builder.AddGpio();
        using var host = builder.Build();

        var ex = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<GpioOptions>>().Value);

        Assert.Contains("Gpio:TamperPin and Gpio:LedPin", ex.Message, StringComparison.Ordinal);
    }

    private static AlertMessage Alert(string alertId) => new(
        AlertMessage.SchemaId, AlertMessage.CurrentVersion, Guid.NewGuid().ToString(), alertId, 0, "pole-12", "cam-1", EventType.Intrusion, AlertState.Start,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, 0.8, null, [], new ModelRef("nanodet-coco", "1"));

    private sealed class ListPublisher(List<AlertMessage> sent) : IAlertSink
    {
        public void Enqueue(AlertMessage alert) => sent.Add(alert);

        public void Enqueue(IReadOnlyList<AlertMessage> alerts) => sent.AddRange(alerts);
    }
}
