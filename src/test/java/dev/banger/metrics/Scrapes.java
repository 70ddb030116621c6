package dev.banger.metrics;

/** Reads one sample's value out of a text-format scrape. */
public final class Scrapes {
  private Scrapes() {}

  /** The value of the series written exactly as {@code series} (name and labels), 0 when absent. */
  public static double value(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
      }
    }
    return 0;
  }
}
