using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Stores read columns by name (<see cref="NamedColumns"/>), on both engines: the column order cannot shift a value.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task ReadView_ColumnListInReverseOrder_ReadsTheSameAlert()
    {
        var start = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(start, Now, CancellationToken.None);
        await Alerts.DecideAsync(start.AlertId, AlertDecisionKind.Dismissed, "false_positive", "a shadow", "alice", Now.AddMinutes(1), CancellationToken.None);
        var expected = (await Alerts.FindAsync(start.AlertId, CancellationToken.None))!;
        var reversed = string.Join(", ", AlertStore.Columns.Split(',', StringSplitOptions.TrimEntries).Reverse());

        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, $"SELECT {reversed} FROM alerts WHERE alert_id = @id;").With("@id", start.AlertId);
        await using var reader = await command.ExecuteReaderAsync();
        var columns = Alerts.ViewColumns(reader);
        Assert.True(await reader.ReadAsync());
        var read = AlertStore.ReadView(columns);

        Assert.Equivalent(expected, read, strict: true);
        Assert.Equal("a shadow", read.Decision!.Comment);
        Assert.Equal("quai-nord", read.ZoneId);
    }

    [Fact]
    public async Task Columns_NameNotInTheResult_FailsNamingIt()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, "SELECT device_id, sequence FROM alerts;");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = reader.Columns(Database.Dialect);

        var error = Assert.Throws<InvalidOperationException>(() => columns.Ordinal("camera_id"));

        Assert.Contains("'camera_id' is not in the query's result (device_id, sequence)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, columns.Ordinal("SEQUENCE"));
    }

    [Fact]
    public async Task Columns_NameReturnedTwice_FailsAskingForAnAlias()
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, "SELECT a.alert_id, m.alert_id FROM alerts a JOIN alert_messages m ON m.alert_id = a.alert_id;");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = reader.Columns();

        var error = Assert.Throws<InvalidOperationException>(() => columns.String("alert_id"));

        Assert.Contains("'alert_id' is returned more than once", error.Message, StringComparison.Ordinal);
    }
}
