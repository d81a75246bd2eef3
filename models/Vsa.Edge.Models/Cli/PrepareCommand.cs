using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model prepare [--cache DIR] [--force]</c>: fetch + convert NanoDet + manifest, idempotent.</summary>
public sealed class PrepareCommand : IToolCommand
{
    public string Name => "prepare";

    public string Summary => "fetch, convert NanoDet and write <cache>/models/nanodet-coco/{nanodet.onnx,manifest.json}";

    public string Usage => "vsa-model prepare [--cache DIR] [--force]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["cache"];

    public IReadOnlyCollection<string> Flags { get; } = ["force"];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var start = console.Time.GetTimestamp();
        var cache = CachePaths.From(args.Option("cache"));
        var fetched = await FetchCommand.Run(cache, console, cancellationToken);

        var directory = cache.Model(NanoDetManifest.Id);
        var onnx = Path.Combine(directory, NanoDetManifest.FileName);
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!args.Flag("force") && await IsUpToDate(manifestPath, console))
        {
            await console.Out.WriteLineAsync($"{NanoDetManifest.Id} {NanoDetManifest.Version}: up to date in {directory}");
            return 0;
        }

        await ConvertCommand.Run(Path.Combine(fetched.PackageDirectory, NanoDetManifest.GraphPath), onnx, console);
        await console.Out.WriteLineAsync("writing manifest …");
        ManifestCommand.Run(onnx, manifestPath, NanoDetManifest.Version, NanoDetManifest.DefaultScoreThreshold);
        // Read it back the way the agent will, so a manifest the agent would refuse never stays in the cache.
        var manifest = ModelManifestLoader.Load(manifestPath);
        await console.Out.WriteLineAsync(
            $"prepared {manifest.Id} {manifest.Version} in {console.Since(start)}: {onnx} (sha256 {manifest.Sha256[..12]}…), {manifestPath}");
        return 0;
    }

    private static async Task<bool> IsUpToDate(string manifestPath, ToolConsole console)
    {
        if (!File.Exists(manifestPath))
        {
            return false;
        }

        try
        {
            var manifest = ModelManifestLoader.Load(manifestPath);
            if (manifest.Version == NanoDetManifest.Version)
            {
                return true;
            }

            await console.Out.WriteLineAsync($"manifest has version {manifest.Version}, this tool makes {NanoDetManifest.Version}: rebuilding");
        }
        catch (ModelManifestException ex)
        {
            await console.Out.WriteLineAsync($"existing manifest rejected ({ex.Message}): rebuilding");
        }

        return false;
    }
}
