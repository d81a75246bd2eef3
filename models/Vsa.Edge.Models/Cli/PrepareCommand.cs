using System.CommandLine;
using System.Globalization;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;

namespace Vsa.Edge.Models.Cli;

/// <summary>
/// <c>vsa-model prepare [--cache DIR] [--force]</c>: fetch, then for every model in <see cref="PreparedModel.All"/>
/// convert + manifest into <c>&lt;cache&gt;/models/&lt;id&gt;/</c>. Idempotent per model: a model whose manifest reads
/// back (current version, SHA-256 matching its ONNX file) is left untouched. With <c>--input-size</c> (and
/// <c>--letterbox</c>, <c>--dynamic-batch</c>) it prepares only NanoDet at that size, as a model of its own
/// (<see cref="PreparedModel.NanoDetAt"/>), and leaves the default models alone.
/// </summary>
public sealed class PrepareCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var cacheOption = FetchCommand.CacheOption();
        var force = new Option<bool>("--force") { Description = "convert again even when the manifest is up to date" };
        var inputSize = new Option<string>("--input-size")
        {
            Description = "NanoDet alone at this size (N or WxH, multiples of 32), as a model of its own", HelpName = "N|WxH",
        };
        var letterbox = new Option<bool>("--letterbox") { Description = "with --input-size: letterbox the frames instead of stretching them" };
        var dynamicBatch = new Option<bool>("--dynamic-batch") { Description = "with --input-size: a dynamic batch dimension" };
        return ToolApp.Command(
            "prepare", $"fetch, convert and write <cache>/models/<id>/{{<model>.onnx,manifest.json}} for {string.Join(" and ", PreparedModel.All.Select(m => m.Id))}",
            console,
            async (result, cancellationToken) =>
            {
                var cache = CachePaths.From(result.GetValue(cacheOption));
                var models = Selected(result.GetValue(inputSize), result.GetValue(letterbox), result.GetValue(dynamicBatch));
                var fetched = await FetchCommand.Run(cache, console, cancellationToken);
                foreach (var model in models)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await Prepare(model, cache, fetched.PackageDirectory, result.GetValue(force), console);
                }

                return 0;
            },
            cacheOption, force, inputSize, letterbox, dynamicBatch);
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

        await ConvertCommand.Run(Path.Combine(packageDirectory, model.GraphPath), onnx, console, model.Conversion);
        await console.Out.WriteLineAsync($"writing {model.Id} manifest …");
        ManifestCommand.Run(model, onnx, manifestPath, model.Version, model.DefaultScoreThreshold);
        // Read it back the way the agent will, so a manifest the agent would refuse never stays in the cache.
        var manifest = ModelManifestLoader.Load(manifestPath);
        await console.Out.WriteLineAsync(
            $"prepared {manifest.Id} {manifest.Version} in {console.Since(start)}: {onnx} (sha256 {manifest.Sha256[..12]}…), {manifestPath}");
    }

    /// <summary>The default models, or NanoDet alone at the size <c>--input-size</c> gives (<c>512</c> or <c>640x480</c>).</summary>
    internal static IReadOnlyList<PreparedModel> Selected(string? size, bool letterbox, bool dynamicBatch)
    {
        if (size is null)
        {
            return (letterbox || dynamicBatch)
                ? throw new CliUsageException("--letterbox and --dynamic-batch go with --input-size (e.g. --input-size 416 --dynamic-batch)")
                : PreparedModel.All;
        }

        var parts = size.Split('x', 'X');
        if (parts.Length > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new CliUsageException($"--input-size '{size}' is not N or WxH (e.g. 512 or 640x480)");
        }

        var width = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var height = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        if (width is < 32 or > 4096 || height is < 32 or > 4096 || width % 32 != 0 || height % 32 != 0)
        {
            throw new CliUsageException($"--input-size '{size}': NanoDet needs sides that are multiples of 32 (its largest stride), 32 to 4096");
        }

        return [PreparedModel.NanoDetAt(width, height, letterbox, dynamicBatch)];
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
