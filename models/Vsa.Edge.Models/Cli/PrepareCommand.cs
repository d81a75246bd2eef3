using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;

namespace Vsa.Edge.Models.Cli;

/// <summary>
/// <c>vsa-model prepare [--cache DIR] [--force]</c>: fetch, then for every model in <see cref="PreparedModel.All"/>
/// convert + manifest into <c>&lt;cache&gt;/models/&lt;id&gt;/</c>. Idempotent per model: a model whose manifest reads
/// back (current version, SHA-256 matching its ONNX file) is left untouched.
/// </summary>
public sealed class PrepareCommand : IToolCommand
{
    public string Name => "prepare";

    public string Summary =>
        $"fetch, convert and write <cache>/models/<id>/{{<model>.onnx,manifest.json}} for {string.Join(" and ", PreparedModel.All.Select(m => m.Id))}";

    public string Usage => "vsa-model prepare [--cache DIR] [--force]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["cache"];

    public IReadOnlyCollection<string> Flags { get; } = ["force"];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var cache = CachePaths.From(args.Option("cache"));
        var fetched = await FetchCommand.Run(cache, console, cancellationToken);
        foreach (var model in PreparedModel.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Prepare(model, cache, fetched.PackageDirectory, args.Flag("force"), console);
        }

        return 0;
    }

    private static async Task Prepare(PreparedModel model, CachePaths cache, string packageDirectory, bool force, ToolConsole console)
    {
        var start = console.Time.GetTimestamp();
        var directory = cache.Model(model.Id);
        var onnx = Path.Combine(directory, model.FileName);
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!force && await IsUpToDate(model, manifestPath, console))
        {
            await console.Out.WriteLineAsync($"{model.Id} {model.Version}: up to date in {directory}");
            return;
        }

        await ConvertCommand.Run(Path.Combine(packageDirectory, model.GraphPath), onnx, console);
        await console.Out.WriteLineAsync($"writing {model.Id} manifest …");
        ManifestCommand.Run(model, onnx, manifestPath, model.Version, model.DefaultScoreThreshold);
        // Read it back the way the agent will, so a manifest the agent would refuse never stays in the cache.
        var manifest = ModelManifestLoader.Load(manifestPath);
        await console.Out.WriteLineAsync(
            $"prepared {manifest.Id} {manifest.Version} in {console.Since(start)}: {onnx} (sha256 {manifest.Sha256[..12]}…), {manifestPath}");
    }

    private static async Task<bool> IsUpToDate(PreparedModel model, string manifestPath, ToolConsole console)
    {
        if (!File.Exists(manifestPath))
        {
            return false;
        }

        try
        {
            var manifest = ModelManifestLoader.Load(manifestPath);
            if (manifest.Id == model.Id && manifest.Version == model.Version)
            {
                return true;
            }

            await console.Out.WriteLineAsync(
                $"{model.Id}: manifest has {manifest.Id} {manifest.Version}, this tool makes {model.Id} {model.Version}: rebuilding");
        }
        catch (ModelManifestException ex)
        {
            await console.Out.WriteLineAsync($"{model.Id}: existing manifest rejected ({ex.Message}): rebuilding");
        }

        return false;
    }
}
