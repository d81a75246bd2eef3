using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.CommandLine;

/// <summary>
/// Signed audit checkpoints outside the database, against an attacker who can write the database: the whole chain rewritten
/// with every hash recomputed, or its tail cut, passes the chain's own verification and fails against the checkpoint.
/// </summary>
public sealed class AuditCheckpointCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-checkpoint-").FullName;

    private string DbPath => Path.Combine(_directory, "fleet.db");

    [Fact]
    public async Task AuditVerify_ChainRewrittenConsistently_IntactAloneButCheckpointSaysRewritten()
    {
        await SeedAsync(3, ["--db", DbPath]);
        var checkpoint = await RunAsync(["audit", "checkpoint", "--db", DbPath]);
        await using var database = FleetDatabase.CreateSqlite($"Data Source={DbPath}");
        await RewriteChainAsync(database, "DROP TRIGGER audit_log_no_update;");

        var chainAlone = await AuditVerifier.VerifyAsync(database, CancellationToken.None);
        var verify = await RunAsync(["audit", "verify", "--db", DbPath]);

        Assert.True(checkpoint.Code == 0, checkpoint.Error);
        Assert.Contains("Checkpoint #3", checkpoint.Output, StringComparison.Ordinal);
        Assert.True(chainAlone.IsIntact);
        Assert.Equal(1, verify.Code);
        Assert.Contains("entry #3 does not carry the hash the checkpoint", verify.Error, StringComparison.Ordinal);
        Assert.Contains("rewritten", verify.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_TailCut_IntactAloneButCheckpointSaysCut()
    {
        await SeedAsync(3, ["--db", DbPath]);
        await RunAsync(["audit", "checkpoint", "--db", DbPath]);
        Sql("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence >= 2;");

        var verify = await RunAsync(["audit", "verify", "--db", DbPath]);

        Assert.Equal(1, verify.Code);
        Assert.Contains("the chain ends at #1 but the checkpoint", verify.Error, StringComparison.Ordinal);
        Assert.Contains("entries #2 to #3 were cut from the tail", verify.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_IntactChainWithCheckpoint_ExitsZeroAndSaysHowFarBehind()
    {
        await SeedAsync(2, ["--db", DbPath]);
        await RunAsync(["audit", "checkpoint", "--db", DbPath]);
        await SeedAsync(1, ["--db", DbPath], first: 3);

        var verify = await RunAsync(["audit", "verify", "--db", DbPath]);

        Assert.True(verify.Code == 0, verify.Error);
        Assert.Contains("1 signed checkpoints match", verify.Output, StringComparison.Ordinal);
        Assert.Contains("#2 at", verify.Output, StringComparison.Ordinal);
        Assert.Contains("1 entries behind the head", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_CheckpointEditedOrRemoved_Detected()
    {
        await SeedAsync(2, ["--db", DbPath]);
        await RunAsync(["audit", "checkpoint", "--db", DbPath]);
        var file = Path.Combine(_directory, "audit-checkpoints.jsonl");
        var key = Path.Combine(_directory, "audit-checkpoint.key");
        var signed = await File.ReadAllTextAsync(file);

        await File.WriteAllTextAsync(file, signed.Replace("\"sequence\":2", "\"sequence\":1", StringComparison.Ordinal));
        var edited = await RunAsync(["audit", "verify", "--db", DbPath]);
        File.Delete(file);
        var removed = await RunAsync(["audit", "verify", "--db", DbPath]);

        Assert.Equal(1, edited.Code);
        Assert.Contains("checkpoint line 1", edited.Error, StringComparison.Ordinal);
        Assert.Contains("no valid signature", edited.Error, StringComparison.Ordinal);
        Assert.Equal(1, removed.Code);
        Assert.Contains("missing or empty while the checkpoint key exists", removed.Error, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public async Task AuditCheckpoint_ChainRewrittenSinceTheLastCheckpoint_RefusesToSignIt()
    {
        await SeedAsync(3, ["--db", DbPath]);
        await RunAsync(["audit", "checkpoint", "--db", DbPath]);
        await using var database = FleetDatabase.CreateSqlite($"Data Source={DbPath}");
        await RewriteChainAsync(database, "DROP TRIGGER audit_log_no_update;");

        var refused = await RunAsync(["audit", "checkpoint", "--db", DbPath]);

        Assert.Equal(1, refused.Code);
        Assert.Contains("no checkpoint written", refused.Error, StringComparison.Ordinal);
        Assert.Single(File.ReadAllLines(Path.Combine(_directory, "audit-checkpoints.jsonl")));
    }

    [Fact]
    public async Task AuditVerify_OnPostgres_TailCutAfterAnApiCheckpointDetected()
    {
        using var postgres = new PostgresFixture();
        var connection = postgres.CreateSchema();
        var settings = new Dictionary<string, string?> { ["Fleet:Audit:CheckpointFile"] = Path.Combine(_directory, "cp.jsonl"), ["Fleet:Audit:CheckpointKeyFile"] = Path.Combine(_directory, "cp.key") };
        await using (var fleet = await FleetApp.StartAsync(settings, waitForSubscription: false, postgres: connection))
        {
            using var admin = await fleet.ClientAsync(Role.Admin);
            await fleet.CreateAccountAsync(Role.Operator, "bob");
            var written = await admin.PostAsync("/api/audit/checkpoints", null);
            Assert.Equal(HttpStatusCode.OK, written.StatusCode);
            var signed = (await written.Content.ReadFromJsonAsync(FleetJsonContext.Default.AuditCheckpoint))!;
            Assert.Equal((await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 1000, CancellationToken.None)).Count, signed.Sequence);
        }

        await using (var database = FleetDatabase.CreatePostgres(connection))
        {
            await ExecuteAsync(database, "DROP TRIGGER audit_log_no_change ON audit_log; DELETE FROM audit_log WHERE sequence = (SELECT MAX(sequence) FROM audit_log);");
        }

        var verify = await RunAsync(["audit", "verify", "--provider", "Postgres", "--db", connection, .. settings.SelectMany(s => new[] { "--" + s.Key, s.Value! })]);

        Assert.Equal(1, verify.Code);
        Assert.Contains("were cut from the tail", verify.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Plays the attacker: changes entry #2's details and recomputes every hash and link after it.</summary>
    private static async Task RewriteChainAsync(FleetDatabase database, string disableTriggers)
    {
        await ExecuteAsync(database, disableTriggers);
        var log = new AuditLog(database, TimeProvider.System);
        var entries = await log.ReadAsync(0, 1000, CancellationToken.None);
        var previous = entries[0].Hash;
        foreach (var entry in entries.Skip(1))
        {
            var forged = entry with { Details = entry.Sequence == 2 ? """{"forged":true}""" : entry.Details, PrevHash = previous };
            forged = forged with { Hash = AuditHash.Compute(forged) };
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await using var update = connection.Sql(null, "UPDATE audit_log SET details = @d, prev_hash = @p, hash = @h WHERE sequence = @s;")
                .With("@d", forged.Details).With("@p", forged.PrevHash).With("@h", forged.Hash).With("@s", forged.Sequence);
            await update.ExecuteNonQueryAsync(CancellationToken.None);
            previous = forged.Hash;
        }
    }

    private static async Task ExecuteAsync(FleetDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, sql);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static async Task SeedAsync(int accounts, string[] target, int first = 1)
    {
        for (var i = first; i < first + accounts; i++)
        {
            string[] args =
            [
                "accounts", "create-admin", "--name", $"root{i}", "--display-name", "Chef de salle", "--designation-ref", "arrêté 2025-001",
                "--designation-date", "2025-01-06", "--training-date", "2025-01-20", "--password-stdin", .. target,
            ];
            var created = await RunAsync(args, FleetApp.Password);
            Assert.True(created.Code == 0, created.Error);
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string stdin = "")
    {
        using var input = new StringReader(stdin);
        await using var output = new StringWriter(CultureInfo.InvariantCulture);
        await using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await FleetCommandLine.RunAsync(args, input, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
