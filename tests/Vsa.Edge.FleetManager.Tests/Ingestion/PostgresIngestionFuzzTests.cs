using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The hostile-input property on PostgreSQL, which refuses what SQLite takes (NUL in text, invalid Unicode in jsonb): a
/// variant that reached it would be a storage failure, redelivered for ever. Fewer cases than on SQLite (network round trips).
/// </summary>
public sealed class PostgresIngestionFuzzTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    /// <summary>Variants per message kind.</summary>
    public const int CasesPerKind = 2_000;

    [Fact]
    public async Task StoreAsync_HostileVariantsOfEachKindOnPostgres_NothingThrowsAndEveryStoredRowIsValid()
    {
        var clock = new FakeTimeProvider(Samples.T0);
        await using var database = FleetDatabase.CreatePostgres(postgres.CreateSchema());
        await new MigrationRunner(database, clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);

        await IngestionFuzzTests.FuzzPipelineAsync(database, clock, CasesPerKind, "pipeline + PostgreSQL", output);
    }
}
