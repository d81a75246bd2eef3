using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>The purge runs at start and then on the fake clock's ticks, never on real time.</summary>
public sealed class RetentionServiceTests : IAsyncLifetime
{
    private MigratedSqlite _sqlite = null!;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-fleet-retention-");
        _database = _sqlite.Database;
    }

    [Fact]
    public async Task Service_AlertAgesPastTheLimit_RemovedAtTheNextTickOnly()
    {
        var options = Options.Create(new RetentionOptions { AlertsDays = 2, HealthDays = 1, Interval = TimeSpan.FromHours(6) });
        var audit = new AuditLog(_database, _clock);
        var alerts = new AlertStore(_database, audit);
        var alert = Samples.AlertStart("pole-12");
        await alerts.ApplyAsync(alert, _clock.GetUtcNow(), CancellationToken.None);
        using var service = new RetentionService(new RetentionPurger(_database, audit, options), options, _clock, NullLogger<RetentionService>.Instance);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);

        await service.StartAsync(CancellationToken.None);
        var first = await service.WaitForRunAsync(1, guard.Token);

        // One interval at a time: runs 2 to 9 reach T0 + 48 h, where the alert is exactly two days old and still kept.
        for (var run = 2; run <= 9; run++)
        {
            _clock.Advance(options.Value.Interval);
            Assert.Equal(0, (await service.WaitForRunAsync(run, guard.Token)).Alerts);
        }

        var keptAtTheLimit = await alerts.FindAsync(alert.AlertId, CancellationToken.None);
        _clock.Advance(options.Value.Interval);
        var tenth = await service.WaitForRunAsync(10, guard.Token);
        await service.StopAsync(CancellationToken.None);

        Assert.Equal((Samples.T0, 0), (first.At, first.Alerts));
        Assert.NotNull(keptAtTheLimit);
        Assert.Equal((Samples.T0.AddHours(54), 1, 1), (tenth.At, tenth.Alerts, tenth.AlertMessages));
        Assert.Equal(10, service.Runs);
        Assert.Null(await alerts.FindAsync(alert.AlertId, CancellationToken.None));
        Assert.Equal(AuditActions.RetentionPurge, Assert.Single(await audit.ReadAsync(0, 10, CancellationToken.None)).Action);
    }

    [Fact]
    public void Options_OutOfRange_FailValidation()
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        var options = new RetentionOptions { AlertsDays = 0, Interval = TimeSpan.FromSeconds(1) };
        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Equal(["AlertsDays", "Interval"], results.SelectMany(r => r.MemberNames).Order());
    }

    public async Task DisposeAsync()
    {
        await _sqlite.DisposeAsync();
    }
}
