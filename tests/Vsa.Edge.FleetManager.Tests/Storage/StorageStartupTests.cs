using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Bad storage settings stop the real executable at start, naming the key.</summary>
public sealed class StorageStartupTests
{
    [Fact]
    public async Task PostgresWithoutConnectionString_ExitsNamingTheKey()
    {
        var directory = Directory.CreateTempSubdirectory("vsa-fleet-start-").FullName;
        try
        {
            var result = await ExternalProcess.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "vsa-fleet"),
                "--Fleet:Storage:Provider", "Postgres", "--urls", "http://127.0.0.1:0", "--Fleet:Storage:DataDirectory", directory);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("Fleet:Storage:Postgres (a connection string) is required", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(StorageProvider.Postgres, "Host=db;Database=vsa;Username=vsa", true)]
    [InlineData(StorageProvider.Postgres, "Hots=db;;", false)]
    [InlineData(StorageProvider.Sqlite, null, true)]
    public void Validate_ProviderAndConnectionString(StorageProvider provider, string? postgres, bool valid)
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { Provider = provider, Postgres = postgres });

        Assert.Equal(valid, result.Succeeded);
    }
}
