using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model manifest --onnx file.onnx --out manifest.json [--model ID]</c>: the manifest for a converted file.</summary>
public sealed class ManifestCommand : IToolCommand
{
    public string Name => "manifest";

    public string Summary => "write a model's manifest (input, decoding, labels, sha256) for an ONNX file";

    public string Usage =>
        $"vsa-model manifest --onnx <file.onnx> --out <manifest.json> [--model {string.Join("|", PreparedModel.All.Select(m => m.Id))}] [--version V] [--score-threshold T]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["onnx", "out", "model", "version", "score-threshold"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var id = args.Option("model") ?? PreparedModel.NanoDet.Id;
        var model = PreparedModel.Find(id)
            ?? throw new UsageException($"--model '{id}' is not one of {string.Join(", ", PreparedModel.All.Select(m => m.Id))}");
        var threshold = args.Option("score-threshold") is { } t
            ? float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--score-threshold '{t}' is not a number")
            : model.DefaultScoreThreshold;
        var manifest = Run(model, args.RequiredOption("onnx"), args.RequiredOption("out"), args.Option("version") ?? model.Version, threshold);
        await console.Out.WriteLineAsync($"wrote {args.RequiredOption("out")} ({manifest.Id} {manifest.Version}, sha256 {manifest.Sha256[..12]}…)");
        return 0;
    }

    /// <summary>Writes the manifest after checking that the ONNX file has the input the manifest promises.</summary>
    internal static ModelManifest Run(PreparedModel model, string onnxPath, string manifestPath, string version, float scoreThreshold)
    {
        var onnxDirectory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (onnxDirectory != Path.GetDirectoryName(Path.GetFullPath(manifestPath)))
        {
            throw new UsageException("the manifest must be written next to the ONNX file (the agent resolves 'file' beside it)");
        }

        var summary = OnnxInspector.Inspect(onnxPath);
        var expected = model.ExpectedInput;
        var actual = summary.Inputs.Count == 1 ? summary.Inputs[0] : null;
        if (actual is null || actual.ToString() != expected.ToString())
        {
            throw new InvalidDataException($"{onnxPath} has inputs [{string.Join("; ", summary.Inputs)}], the {model.Id} manifest describes [{expected}].");
        }

        var manifest = model.CreateManifest(ModelManifestLoader.ComputeSha256(onnxPath), version, scoreThreshold, Path.GetFileName(onnxPath));
        ManifestFile.Write(manifest, manifestPath);
        return manifest;
    }
}
