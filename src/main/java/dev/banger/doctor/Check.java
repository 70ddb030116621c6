package dev.banger.doctor;

/**
 * One line of {@code banger doctor}.
 *
 * @param check what was checked
 * @param ok whether it is usable
 * @param detail what was found, or what it means and how to fix it
 */
public record Check(String check, boolean ok, String detail) {}
