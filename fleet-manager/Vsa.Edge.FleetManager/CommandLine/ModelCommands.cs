using System.CommandLine;
using System.Globalization;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// <c>vsa-fleet models upload &lt;file&gt;</c> and <c>vsa-fleet models list</c>, on the machine of the fleet manager, on the same
/// database and data folder as the service (like <c>accounts create-admin</c>: who can run it there can read the database
/// anyway; from elsewhere, an administrator uses <c>POST /api/models</c>). The upload goes through the same
/// <see cref="ModelPackageStore"/> as the API: verified against <c>Fleet:Models:SigningKeys</c>, no downgrade, audited
/// <c>model.upload</c> with the actor <c>cli</c>. Exit codes: 0 stored (or already stored), 1 refused, 2 usage or environment error.
/// </summary>
internal static class ModelCommands
{
    public static Command Create(FleetConsole console)
    {
        var uploadDatabase = new DatabaseOptions();
        var package = new Argument<string>("package") { Description = "The signed model package (.vsamodel)" };
        package.Validators.Add(r =>
        {
            // An unknown option is an argument to System.CommandLine: a configuration key written before the file would take its place.
            if (r.Tokens is [{ Value: var text }] && text.StartsWith("--", StringComparison.Ordinal))
            {
                r.AddError($"argument <package> must be the package file, not '{text}': write models upload <package> [options]");
            }
        });
        var upload = uploadDatabase.AddTo(new Command("upload", "Verify a signed model package against Fleet:Models:SigningKeys and store it (audited model.upload).") { package });
        upload.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) => RunAsync(r.GetRequiredValue(package), uploadDatabase.Read(r), console.Output, console.Error, ct)));

        var listDatabase = new DatabaseOptions();
        var list = listDatabase.AddTo(new Command("list", "The stored model packages, one a line."));
        list.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) => RunAsync(null, listDatabase.Read(r), console.Output, console.Error, ct)));

        return new Command("models", "Model packages on the fleet's database and data folder; the signing keys: --Fleet:Models:SigningKeys:0 <pem file>.") { upload, list };
    }

    private static async Task<int> RunAsync(string? file, DatabaseArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (file is not null && !File.Exists(file))
        {
            await error.WriteLineAsync($"No file at {file}.");
            return 2;
        }

        using var host = FleetCommandLine.BuildHost(arguments, s => s.AddFleetModelStores());
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } sqlite && !File.Exists(sqlite))
        {
            await error.WriteLineAsync($"No database at {sqlite}.");
            return 2;
        }

        await host.Services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
        ModelPackageStore store;
        try
        {
            store = host.Services.GetRequiredService<ModelPackageStore>();
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            await error.WriteLineAsync($"Invalid {ModelOptions.SectionName}:SigningKeys: {ex.Message}");
            return 2;
        }

        return file is null ? await ListAsync(store, output, cancellationToken) : await UploadAsync(store, file, output, error, cancellationToken);
    }

    private static async Task<int> UploadAsync(ModelPackageStore store, string file, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ModelUpload upload;
        try
        {
            await using var content = File.OpenRead(file);
            upload = await store.UploadAsync(content, AccountCommands.Actor, cancellationToken);
        }
        catch (ModelPackageTooLargeException ex)
        {
            await error.WriteLineAsync($"Refused: {ex.Message}");
            return 1;
        }

        if (upload.Refusal is { } refusal)
        {
            await error.WriteLineAsync($"Refused: {refusal.Report}");
            return 1;
        }

        var p = upload.Package!;
        await output.WriteLineAsync(upload.AlreadyStored
            ? $"Already stored: {p.Id} {p.Version} {p.Sha256}"
            : $"Stored {p.Kind} {p.Id} {p.Version}: {p.Sha256} ({p.Size.ToString(CultureInfo.InvariantCulture)} bytes, signed by {p.KeyId[..16]}…, expires {p.ExpiresAt:yyyy-MM-dd})");
        return 0;
    }

    private static async Task<int> ListAsync(ModelPackageStore store, TextWriter output, CancellationToken cancellationToken)
    {
        var packages = await store.ListAsync(cancellationToken);
        if (packages.Count == 0)
        {
            await output.WriteLineAsync("No model package stored.");
        }

        foreach (var p in packages)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{p.Id}\t{p.Version}\t{p.Kind}\t{p.Sha256}\t{p.Size}\t{string.Join(',', p.Categories)}\texpires {p.ExpiresAt:yyyy-MM-dd}\tuploaded {p.UploadedAt:yyyy-MM-dd HH:mm} by {p.UploadedBy}"));
        }

        return 0;
    }
}
