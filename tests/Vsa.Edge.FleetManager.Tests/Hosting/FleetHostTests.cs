using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vsa.Edge.FleetManager.Hosting;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Hosting;

/// <summary>The process exit code: 0 after a normal stop, non-zero after a background service failed and stopped the host.</summary>
public sealed class FleetHostTests
{
    [Fact]
    public async Task RunAsync_BackgroundServiceThrows_HostStopsWithTheFatalExitCode()
    {
        using var host = Build<Failing>();

        var code = await FleetHost.RunAsync(host).WaitAsync(FleetApp.Timeout);

        Assert.Equal(FleetHost.FatalExitCode, code);
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task RunAsync_StoppedNormally_ExitsWithZero()
    {
        using var host = Build<StopsTheApplication>();

        var code = await FleetHost.RunAsync(host).WaitAsync(FleetApp.Timeout);

        Assert.Equal(0, code);
    }

    private static IHost Build<TService>()
        where TService : class, IHostedService
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHostedService<TService>();
        return builder.Build();
    }

    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            throw new InvalidOperationException("a background service failed");
        }
    }

    private sealed class StopsTheApplication(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield();
            lifetime.StopApplication();
        }
    }
}
