//! `lifsweep plot`: valid PNG and SVG files of the asked size holding the labels and legend,
//! not blank; the theory line is the theory of the rows; filters, log axes, datasets; refused
//! options write nothing.

use std::path::{Path, PathBuf};

use lifsweep::plot::{PlotOptions, figure};

use super::common::{lifsweep, stderr_of, stdout_of, write_spec};

const SPEC: &str = "[simulation]\nduration_ms = 300.0\nneurons = 40\n\
                    [[sweep]]\nmodel = \"noise\"\nmu_na = { start = 0.5, stop = 2.5, num = 9 }\n\
                    sigma_na = [0.25, 0.5]\n\
                    [[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0.5, stop = 2.5, num = 9 }\n\
                    neurons = 1\n";

fn results(dir: &Path) -> PathBuf {
    results_of(dir, SPEC)
}

/// The result file of `spec` in `dir`.
fn results_of(dir: &Path, spec: &str) -> PathBuf {
    let spec = write_spec(dir, spec);
    let out = dir.join("r.parquet");
    lifsweep()
        .args([
            "run",
            spec.to_str().unwrap(),
            "--quiet",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    out
}

fn options(results: &Path, out: &Path) -> PlotOptions {
    PlotOptions {
        results: results.to_path_buf(),
        out: out.to_path_buf(),
        x: None,
        y: "firing_rate_hz".into(),
        group: None,
        filters: Vec::new(),
        logx: None,
        logy: false,
        size: None,
        force: false,
    }
}

#[test]
fn a_png_of_the_asked_size_that_is_not_blank() {
    let dir = tempfile::tempdir().unwrap();
    let r = results(dir.path());
    let png = dir.path().join("f.png");
    let said = stdout_of(lifsweep().args([
        "plot",
        r.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--size",
        "900x700",
    ]));
    assert!(said.contains("plotted 27 rows"), "{said}");
    assert!(said.contains("2 model families"), "{said}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (900, 700));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let rgb = &pixels[..info.buffer_size()];
    let white = rgb.chunks(3).filter(|p| p == &[255, 255, 255]).count();
    let total = rgb.len() / 3;
    assert!(
        white < total * 97 / 100,
        "the figure is blank: {white} of {total} white"
    );
    // The palette's first colour (the first line) is drawn.
    assert!(
        rgb.chunks(3).any(|p| p == [0, 114, 178]),
        "no line of the first colour"
    );
}

#[test]
fn an_svg_with_its_labels_legend_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let r = results(dir.path());
    let svg = dir.path().join("f.svg");
    lifsweep()
        .args(["plot", r.to_str().unwrap(), "-o", svg.to_str().unwrap()])
        .args(["--size", "1000x760"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..100]);
    assert!(text.contains(r#"width="1000""#) && text.contains(r#"height="760""#));
    assert!(text.trim_end().ends_with("</svg>"));
    // The texts of its <text> elements.
    let texts: Vec<&str> = text
        .split("</text>")
        .filter_map(|t| t.rsplit_once('>').map(|(_, inner)| inner.trim()))
        .collect();
    for label in [
        "mu_na (nA)",
        "firing rate (Hz)",
        "CV of the ISIs",
        "sigma_na = 0.25 nA",
        "sigma_na = 0.5 nA",
        "theory",
        "noise",
        "constant",
        "simulation",
    ] {
        assert!(
            texts.contains(&label),
            "the SVG has no text {label:?}: {texts:?}"
        );
    }
}

#[test]
fn the_theory_line_is_the_rows_theory_on_a_finer_grid() {
    let dir = tempfile::tempdir().unwrap();
    let r = results(dir.path());
    let fig = figure(&options(&r, &dir.path().join("f.svg"))).unwrap();
    assert_eq!(fig.panels.len(), 2);
    let rows = lifsweep::read::Results::open(&r).unwrap();
    let noise = &fig.panels[0];
    assert_eq!(noise.rate.len(), 2, "a line per sigma");
    for line in &noise.rate {
        assert_eq!(line.points.len(), 9);
        assert_eq!(line.theory.len(), 201);
        // Its ends are the first and last rows' theory.
        let (first, last) = (line.theory[0], line.theory[200]);
        assert_eq!((first.0, last.0), (0.5, 2.5));
        let theory = |mu: f64| {
            let sigma: f64 = line.label.split(' ').nth(2).unwrap().parse().unwrap();
            theory_of(&rows, mu, sigma)
        };
        assert!((first.1 - theory(0.5)).abs() <= 1e-12 * first.1.max(1e-300));
        assert!((last.1 - theory(2.5)).abs() <= 1e-12 * last.1);
        // Rate and s.e.m. of the points are the rows'.
        assert!(line.points.iter().all(|p| p.2.is_some()));
    }
    // One-neuron jobs have no s.e.m.; the constant theory is exact and reliable.
    let constant = &fig.panels[1];
    assert!(constant.rate[0].points.iter().all(|p| p.2.is_none()));
    assert!(constant.rate[0].theory.iter().all(|t| t.2));
}

/// `theory_rate_hz` of the noise row with `mu_na` and `sigma_na`, as the file holds it.
fn theory_of(rows: &lifsweep::read::Results, mu: f64, sigma: f64) -> f64 {
    use arrow_array::{Array, Float64Array};
    for batch in rows.batches() {
        let batch = batch.unwrap();
        let col = |n: &str| {
            batch
                .column_by_name(n)
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .clone()
        };
        let (m, s, t) = (col("mu_na"), col("sigma_na"), col("theory_rate_hz"));
        for i in 0..batch.num_rows() {
            if !s.is_null(i) && (m.value(i) - mu).abs() < 1e-12 && s.value(i) == sigma {
                return t.value(i);
            }
        }
    }
    panic!("no row with mu {mu} sigma {sigma}")
}

#[test]
fn filters_log_axes_groups_and_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let r = results(dir.path());
    let mut opts = options(&r, &dir.path().join("f.svg"));
    opts.filters = vec!["sigma_na=0.5".into()];
    let fig = figure(&opts).unwrap();
    assert_eq!(fig.panels.len(), 1, "the constant rows have no sigma_na");
    assert_eq!(fig.panels[0].rate.len(), 1);
    assert_eq!(fig.panels[0].rate[0].label, "simulation");
    assert!(fig.panels[0].title.contains("sigma_na = 0.5 nA"));

    opts.filters = vec!["model=constant".into()];
    opts.logx = Some(true);
    opts.logy = true;
    assert_eq!(figure(&opts).unwrap().rows, 9);

    // x and the lines chosen: rate against sigma, a line per mu.
    let mut by_sigma = options(&r, &dir.path().join("f.svg"));
    by_sigma.x = Some("sigma_na".into());
    by_sigma.filters = vec!["model=noise".into()];
    let fig = figure(&by_sigma).unwrap();
    assert_eq!(fig.panels[0].rate.len(), 9);
    assert_eq!(fig.axes.x, "sigma_na (nA)");

    // A dataset directory plots as its file does.
    let spec = write_spec(dir.path(), SPEC);
    let ds = dir.path().join("ds");
    lifsweep()
        .args([
            "run",
            spec.to_str().unwrap(),
            "--quiet",
            "--chunk-jobs",
            "5",
        ])
        .args(["--dataset", ds.to_str().unwrap()])
        .assert()
        .success();
    let from_ds = figure(&options(&ds, &dir.path().join("g.svg"))).unwrap();
    let from_file = figure(&options(&r, &dir.path().join("g.svg"))).unwrap();
    assert_eq!(from_ds.rows, from_file.rows);
    assert_eq!(
        format!("{:?}", from_ds.panels[0].rate),
        format!("{:?}", from_file.panels[0].rate)
    );
}

#[test]
fn refused_options_write_nothing_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let r = results(dir.path());
    let r = r.to_str().unwrap();
    let out = dir.path().join("f.png");
    let o = out.to_str().unwrap();
    for (args, says) in [
        (vec!["-o", "f.pdf"], "must end in .png or .svg"),
        (
            vec!["-o", o, "--where", "sigma_typo=1"],
            "\"sigma_typo\" is not a column",
        ),
        (vec!["-o", o, "--where", "sigma_na"], "give COLUMN=VALUE"),
        (
            vec!["-o", o, "--where", "sigma_na=7"],
            "match the --where filters",
        ),
        (vec!["-o", o, "--where", "model=1"], "no rows"),
        (vec!["-o", o, "--x", "nope"], "\"nope\" is not a column"),
        (vec!["-o", o, "--y", "isi_hist"], "list column"),
        (
            vec!["-o", o, "--size", "10x10"],
            "--size \"10x10\" is not allowed",
        ),
    ] {
        let err = stderr_of(lifsweep().arg("plot").arg(r).args(&args), 2);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote a file");
    }
    std::fs::write(&out, "mine").unwrap();
    let err = stderr_of(lifsweep().args(["plot", r, "-o", o]), 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    lifsweep()
        .args(["plot", r, "-o", o, "--force"])
        .assert()
        .success();
    assert_ne!(std::fs::read(&out).unwrap(), b"mine");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
}

#[test]
fn the_default_x_is_the_longest_axis_and_a_log_range_gets_a_log_axis() {
    let dir = tempfile::tempdir().unwrap();
    let r = results_of(
        dir.path(),
        "[simulation]\nduration_ms = 200.0\nneurons = 1\n[[sweep]]\nmodel = \"sine\"\n\
         mu_na = [1.2, 1.8]\namp_na = 0.5\n\
         period_ms = { start = 2.0, stop = 200.0, num = 7, scale = \"log\" }\n",
    );
    let mut opts = options(&r, &dir.path().join("f.svg"));
    let fig = figure(&opts).unwrap();
    assert_eq!(fig.axes.x, "period_ms (ms)");
    assert!(fig.axes.logx, "a log range is drawn on a log axis");
    assert_eq!(fig.panels[0].rate.len(), 2, "a line per mu");
    assert_eq!(fig.panels[0].rate[0].label, "mu_na = 1.2 nA");
    opts.logx = Some(false);
    assert!(!figure(&opts).unwrap().axes.logx);
    // Many lines: colours in order, at most 10 named in the legend (by the SVG).
    let svg = dir.path().join("g.svg");
    lifsweep()
        .args([
            "plot",
            r.to_str().unwrap(),
            "-o",
            svg.to_str().unwrap(),
            "--x",
            "mu_na",
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("period_ms = 4.309 ms"),
        "values with 4 digits in the legend"
    );
    assert_eq!(lifsweep::plot::short(6.324555320336759), "6.325");
    assert_eq!(lifsweep::plot::short(124.70281287818595), "124.7");
    assert_eq!(lifsweep::plot::short(0.000123456), "1.235e-4");
    assert_eq!(lifsweep::plot::short(0.25), "0.25");
    assert_eq!(lifsweep::plot::short(1000.0), "1000");
}
