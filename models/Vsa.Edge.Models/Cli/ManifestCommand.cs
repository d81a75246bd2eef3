using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model manifest --onnx nanodet.onnx --out manifest.json</c>: the NanoDet manifest for a converted file.</summary>
public sealed class ManifestCommand : IToolCommand
{
    public string Name => "manifest";

    public string Summary => "write the NanoDet manifest (input, decoding, labels, sha256) for an ONNX file";

    public string Usage => "vsa-model manifest --onnx <file.onnx> --out <manifest.json> [--version V] [--score-threshold 0.5]";

    public IReadOnlyCollection<string> ValueOptions { get; } = ["onnx", "out", "version", "score-threshold"];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        var threshold = args.Option("score-threshold") is { } t
            ? float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--score-threshold '{t}' is not a number")
            : NanoDetManifest.DefaultScoreThreshold;
        var manifest = Run(args.RequiredOption("onnx"), args.RequiredOption("out"), args.Option("version") ?? NanoDetManifest.Version, threshold);
        await console.Out.WriteLineAsync($"wrote {args.RequiredOption("out")} ({manifest.Id} {manifest.Version}, sha256 {manifest.Sha256[..12]}…)");
        return 0;
    }

    /// <summary>Writes the manifest after checking that the ONNX file has the input the manifest promises.</summary>
    internal static ModelManifest Run(string onnxPath, string manifestPath, string version, float scoreThreshold)
    {
        var onnxDirectory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (onnxDirectory != Path.GetDirectoryName(Path.GetFullPath(manifestPath)))
        {
            throw new UsageException("the manifest must be written next to the ONNX file (the agent resolves 'file' beside it)");
        }

        var summary = OnnxInspector.Inspect(onnxPath);
        var input = NanoDetManifest.Input;
        var expected = new OnnxTensorInfo(input.Name, "float32", ["1", "3", input.Height.ToString(CultureInfo.InvariantCulture), input.Width.ToString(CultureInfo.InvariantCulture)]);
        var actual = summary.Inputs.Count == 1 ? summary.Inputs[0] : null;
        if (actual is null || actual.ToString() != expected.ToString())
        {
            throw new InvalidDataException($"{onnxPath} has inputs [{string.Join("; ", summary.Inputs)}], the NanoDet manifest describes [{expected}].");
        }

        var manifest = NanoDetManifest.Create(ModelManifestLoader.ComputeSha256(onnxPath), version, scoreThreshold, Path.GetFileName(onnxPath));
        ManifestFile.Write(manifest, manifestPath);
        return manifest;
    }
}
